import { randomBytes } from 'node:crypto';
import type { NavigationEventV1 } from '@flowbridge/contracts';
import { createServiceApp, loadConfig, runMigrations } from '@flowbridge/platform';
import {
  createTestDatabase,
  LogCapture,
  NavigationQueues,
  type TestDatabase,
  testRedisUrl,
} from '@flowbridge/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestEngineOptions } from '@flowbridge/outbound';
import request from 'supertest';
import { SERVICE_NAME, WorkerAppModule } from '../services/worker/src/app.module';
import { WORKER_MIGRATIONS, WORKER_SCHEMA } from '../services/worker/src/migrations';
import { WorkerConfig } from '../services/worker/src/worker.config';

export interface WorkerHarness {
  app: NestExpressApplication;
  config: WorkerConfig;
  db: TestDatabase;
  logs: LogCapture;
  /** OPERATOR_API_KEY: opens the queue dashboard. */
  operatorKey: string;
  call(method: 'get', path: string, key?: string | null): Promise<request.Response>;
  request(): ReturnType<typeof request>;
  /** Navigation jobs on the queue so far (nobody consumes them in these tests), oldest first. */
  navigations(): Promise<NavigationEventV1[]>;
  close(): Promise<void>;
}

/** The worker as production builds it, on its own database, sharing Redis, RPC namespace and queue prefix. */
export async function startWorker(
  label: string,
  options: {
    adminKey: string;
    rpcNamespace: string;
    queuePrefix: string;
    env?: NodeJS.ProcessEnv;
    outbound?: Partial<RequestEngineOptions>;
  },
): Promise<WorkerHarness> {
  const db = await createTestDatabase(label);
  await runMigrations({
    databaseUrl: db.url,
    appUrl: db.appUrl,
    service: SERVICE_NAME,
    schema: WORKER_SCHEMA,
    migrations: WORKER_MIGRATIONS,
  });
  const operatorKey = `fb_op_${randomBytes(18).toString('base64url')}`;
  const config = loadConfig(WorkerConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: testRedisUrl(),
    ADMIN_API_KEY: options.adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    // Every test file reaches the services from 127.0.0.1: the per-address limit is tested on its own.
    ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
    RPC_NAMESPACE: options.rpcNamespace,
    QUEUE_PREFIX: options.queuePrefix,
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    OPERATOR_API_KEY: operatorKey,
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await createServiceApp({
    name: SERVICE_NAME,
    module: WorkerAppModule.forRoot(config, { logDestination: logs, outbound: options.outbound }),
    config,
    port: 0,
    rpc: false,
    swagger: { title: 'Flowbridge worker', description: 'test' },
  });
  await app.init();
  const navigation = new NavigationQueues(testRedisUrl(), options.queuePrefix, config.NAVIGATION_PARTITIONS);
  const server = app.getHttpServer();
  return {
    app,
    config,
    db,
    logs,
    operatorKey,
    request: () => request(server),
    async call(method, path, key = options.adminKey) {
      let req = request(server)[method](path);
      if (key) req = req.set('Authorization', `Bearer ${key}`);
      return req;
    },
    async navigations() {
      return navigation.events();
    },
    async close() {
      await app.close();
      await navigation.close();
      await db.drop();
    },
  };
}
