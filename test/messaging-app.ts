import { randomBytes } from 'node:crypto';
import type { TriggerEventV1 } from '@flowbridge/contracts';
import { triggerQueue } from '@flowbridge/contracts';
import { createServiceApp, loadConfig, redisOptionsFromUrl, runMigrations } from '@flowbridge/platform';
import { createTestDatabase, LogCapture, type TestDatabase, testRedisUrl } from '@flowbridge/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import request from 'supertest';
import {
  rawBodyRoutes,
  SERVICE_NAME,
  WhatsappMessagingAppModule,
} from '../services/whatsapp-messaging/src/app.module';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from '../services/whatsapp-messaging/src/migrations';
import { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';

export interface MessagingHarness {
  app: NestExpressApplication;
  config: WhatsappMessagingConfig;
  db: TestDatabase;
  logs: LogCapture;
  adminKey: string;
  request(): ReturnType<typeof request>;
  call(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    body?: unknown,
    key?: string | null,
  ): Promise<request.Response>;
  /** Trigger events on the partition queues so far (nobody consumes them here), in queue order per partition. */
  triggers(): Promise<TriggerEventV1[]>;
  close(): Promise<void>;
}

/** The messaging service as production builds it, on its own database and queue prefix. */
export async function startMessaging(
  label: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<MessagingHarness> {
  const db = await createTestDatabase(label);
  await runMigrations({
    databaseUrl: db.url,
    service: SERVICE_NAME,
    schema: MESSAGING_SCHEMA,
    migrations: MESSAGING_MIGRATIONS,
  });
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const queuePrefix = `fbtest-msg-${randomBytes(4).toString('hex')}`;
  const config = loadConfig(WhatsappMessagingConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: testRedisUrl(),
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    RPC_NAMESPACE: queuePrefix,
    QUEUE_PREFIX: queuePrefix,
    TRIGGER_PARTITIONS: '4',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await createServiceApp({
    name: SERVICE_NAME,
    module: WhatsappMessagingAppModule.forRoot(config, { logDestination: logs }),
    config,
    port: 0,
    rawBodyRoutes: rawBodyRoutes(config),
  });
  await app.init();
  const partitions = Array.from(
    { length: config.TRIGGER_PARTITIONS },
    (_, p) =>
      new Queue(triggerQueue(p), { prefix: queuePrefix, connection: redisOptionsFromUrl(testRedisUrl()) }),
  );
  const server = app.getHttpServer();
  return {
    app,
    config,
    db,
    logs,
    adminKey,
    request: () => request(server),
    async call(method, path, body, key = adminKey) {
      let req = request(server)[method](path);
      if (key) req = req.set('Authorization', `Bearer ${key}`);
      return body === undefined ? req : req.send(body as object);
    },
    async triggers() {
      const all: TriggerEventV1[] = [];
      for (const queue of partitions) {
        const jobs = await queue.getJobs(
          ['waiting', 'delayed', 'active', 'completed', 'failed'],
          0,
          100_000,
          true,
        );
        all.push(...jobs.map((j) => j.data as TriggerEventV1));
      }
      return all;
    },
    async close() {
      await app.close();
      for (const queue of partitions) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
      await db.drop();
    },
  };
}
