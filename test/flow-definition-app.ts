import { randomBytes } from 'node:crypto';
import { createServiceApp, loadConfig } from '@flowbridge/platform';
import { LogCapture, type TestDatabase, testRedisUrl } from '@flowbridge/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { FlowDefinitionAppModule, SERVICE_NAME } from '../services/flow-definition/src/app.module';
import { FlowDefinitionConfig } from '../services/flow-definition/src/flow-definition.config';
import {
  FLOW_DEFINITION_MIGRATIONS,
  FLOW_DEFINITION_SCHEMA,
} from '../services/flow-definition/src/migrations';
import { serviceDatabase } from './service-database';

export interface FlowDefinitionHarness {
  app: NestExpressApplication;
  config: FlowDefinitionConfig;
  db: TestDatabase;
  logs: LogCapture;
  call(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    body?: unknown,
    key?: string | null,
    headers?: Record<string, string>,
  ): Promise<request.Response>;
  close(): Promise<void>;
}

/** The flow-definition service as production builds it, on its own database, RPC on. */
export async function startFlowDefinition(
  label: string,
  options: { adminKey: string; rpcNamespace: string; env?: NodeJS.ProcessEnv },
): Promise<FlowDefinitionHarness> {
  const db = await serviceDatabase(label, {
    service: SERVICE_NAME,
    schema: FLOW_DEFINITION_SCHEMA,
    migrations: FLOW_DEFINITION_MIGRATIONS,
  });
  const config = loadConfig(FlowDefinitionConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: testRedisUrl(),
    ADMIN_API_KEY: options.adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    // Every test file reaches the services from 127.0.0.1: the per-address limit is tested on its own.
    ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
    RPC_NAMESPACE: options.rpcNamespace,
    QUEUE_PREFIX: `fbtest-${label}-${randomBytes(4).toString('hex')}`,
    CONNECTIONS_RPC_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await createServiceApp({
    name: SERVICE_NAME,
    module: FlowDefinitionAppModule.forRoot(config, { logDestination: logs }),
    config,
    port: 0,
    rpc: true,
    swagger: { title: 'Flowbridge flow definition', description: 'test' },
  });
  await app.startAllMicroservices();
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    config,
    db,
    logs,
    async call(method, path, body, key = options.adminKey, headers = {}) {
      let req = request(server)[method](path);
      if (key) req = req.set('Authorization', `Bearer ${key}`);
      for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
      return body === undefined ? await req : await req.send(body as object);
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
