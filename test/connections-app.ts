import { randomBytes } from 'node:crypto';
import type { RequestEngineOptions } from '@flowbridge/outbound';
import { createServiceApp, loadConfig } from '@flowbridge/platform';
import { LogCapture, type TestDatabase, testRedisUrl } from '@flowbridge/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ConnectionsAppModule, OPENAPI, SERVICE_NAME } from '../services/connections/src/app.module';
import { ConnectionsConfig } from '../services/connections/src/connections.config';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from '../services/connections/src/migrations';
import { serviceDatabase } from './service-database';

export interface ConnectionsHarness {
  app: NestExpressApplication;
  config: ConnectionsConfig;
  db: TestDatabase;
  logs: LogCapture;
  adminKey: string;
  /** What the service was configured with: a replica (`replicaOf`) takes the same. */
  settings: NodeJS.ProcessEnv;
  /** Every response body seen through `call`, to search for leaked secrets. */
  responses: string[];
  call(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    body?: unknown,
    key?: string | null,
  ): Promise<request.Response>;
  close(): Promise<void>;
}

/** The connections service as production builds it, on a database of its own, with its logs captured. */
export async function startConnections(
  label: string,
  /** `databasePort`: the service reaches Postgres through this port on 127.0.0.1 (e.g. a proxy the test controls). */
  options: {
    env?: NodeJS.ProcessEnv;
    rpc?: boolean;
    databasePort?: number;
    outbound?: Partial<RequestEngineOptions>;
    /** Another replica of that service: its database, keys and RPC namespace. */
    replicaOf?: ConnectionsHarness;
  } = {},
): Promise<ConnectionsHarness> {
  const first = options.replicaOf;
  const db = await serviceDatabase(
    label,
    { service: SERVICE_NAME, schema: CONNECTIONS_SCHEMA, migrations: CONNECTIONS_MIGRATIONS },
    first?.db,
  );
  const serviceDbUrl = new URL(db.appUrl);
  if (options.databasePort) {
    serviceDbUrl.hostname = '127.0.0.1';
    serviceDbUrl.port = String(options.databasePort);
  }
  const adminKey = first?.adminKey ?? `fb_test_${randomBytes(18).toString('base64url')}`;
  const settings: NodeJS.ProcessEnv = first?.settings ?? {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: serviceDbUrl.toString(),
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: testRedisUrl(),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    // Every test file reaches the services from 127.0.0.1: the per-address limit is tested on its own.
    ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    // Pub/sub channels are global to the Redis server: each test run answers only its own RPCs.
    RPC_NAMESPACE: `fbtest-${label}-${randomBytes(4).toString('hex')}`,
    ...options.env,
  };
  const config = loadConfig(ConnectionsConfig, settings);
  const logs = new LogCapture();
  const app = await createServiceApp({
    name: SERVICE_NAME,
    module: ConnectionsAppModule.forRoot(config, { logDestination: logs, outbound: options.outbound }),
    config,
    port: 0,
    rpc: options.rpc ?? false,
    swagger: OPENAPI,
  });
  if (options.rpc) await app.startAllMicroservices();
  await app.init();
  const responses: string[] = [];
  const server = app.getHttpServer();
  return {
    app,
    config,
    db,
    logs,
    adminKey,
    settings,
    responses,
    async call(method, path, body, key = adminKey) {
      let req = request(server)[method](path);
      if (key) req = req.set('Authorization', `Bearer ${key}`);
      const res = body === undefined ? await req : await req.send(body as object);
      responses.push(res.text ?? '');
      return res;
    },
    async close() {
      await app.close();
      if (!first) await db.drop();
    },
  };
}
