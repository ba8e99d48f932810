import { randomBytes } from 'node:crypto';
import {
  contactPartition,
  jobIdOf,
  type NavigationEventV1,
  NavigationJobName,
  navigationQueue,
  type TriggerEventV1,
  triggerQueue,
} from '@flowbridge/contracts';
import {
  createServiceApp,
  JobAuth,
  loadConfig,
  redisOptionsFromUrl,
  TEST_INTERNAL_KEY,
} from '@flowbridge/platform';
import { LogCapture, type TestDatabase, testRedisUrl } from '@flowbridge/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import request from 'supertest';
import {
  httpRoutes,
  SERVICE_NAME,
  WhatsappMessagingAppModule,
} from '../services/whatsapp-messaging/src/app.module';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from '../services/whatsapp-messaging/src/migrations';
import { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';
import { serviceDatabase } from './service-database';

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
  /** Emits a navigation event as the worker does (its partition, its job id), with the given id. */
  navigate(event: NavigationEventV1, jobId?: string): Promise<void>;
  /** Where it listens on 127.0.0.1 (the sandbox posts its webhooks there). */
  url: string;
  close(): Promise<void>;
}

/** What a second replica shares with the first: the database and the queue prefix. */
export interface Shared {
  db: TestDatabase;
  queuePrefix: string;
  adminKey: string;
  encryptionKeys: string;
}

/** The messaging service as production builds it, on its own database and queue prefix. */
export async function startMessaging(
  label: string,
  /** `rpc`: answer flow-definition's RPC (publishing forms) on RPC_NAMESPACE (default: the queue prefix). */
  options: { env?: NodeJS.ProcessEnv; replicaOf?: MessagingHarness; rpc?: boolean } = {},
): Promise<MessagingHarness & { shared: Shared }> {
  const first = (options.replicaOf as (MessagingHarness & { shared: Shared }) | undefined)?.shared;
  const db = await serviceDatabase(
    label,
    { service: SERVICE_NAME, schema: MESSAGING_SCHEMA, migrations: MESSAGING_MIGRATIONS },
    first?.db,
  );
  const adminKey = first?.adminKey ?? `fb_test_${randomBytes(18).toString('base64url')}`;
  const queuePrefix = first?.queuePrefix ?? `fbtest-msg-${randomBytes(4).toString('hex')}`;
  const encryptionKeys = first?.encryptionKeys ?? `k1:${randomBytes(32).toString('base64')}`;
  const config = loadConfig(WhatsappMessagingConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: testRedisUrl(),
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    // Every test file reaches the services from 127.0.0.1: the per-address limit is tested on its own.
    ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
    RPC_NAMESPACE: queuePrefix,
    QUEUE_PREFIX: queuePrefix,
    TRIGGER_PARTITIONS: '4',
    NAVIGATION_PARTITIONS: '4',
    ENCRYPTION_KEYS: encryptionKeys,
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await createServiceApp({
    name: SERVICE_NAME,
    module: WhatsappMessagingAppModule.forRoot(config, { logDestination: logs }),
    config,
    port: 0,
    ...httpRoutes(config),
    rpc: options.rpc ?? false,
  });
  if (options.rpc) await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const navigation = Array.from(
    { length: config.NAVIGATION_PARTITIONS },
    (_, p) =>
      new Queue(navigationQueue(p), { prefix: queuePrefix, connection: redisOptionsFromUrl(testRedisUrl()) }),
  );
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
    url: url.replace('[::1]', '127.0.0.1'),
    shared: { db, queuePrefix, adminKey, encryptionKeys },
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
    async navigate(event, jobId = jobIdOf('nav', event.runId, event.seq)) {
      const contact = {
        workspaceId: event.workspaceId,
        channelId: event.channelId,
        waId: event.contact.waId,
      };
      const queue = navigation[contactPartition(contact, config.NAVIGATION_PARTITIONS)];
      // Signed as the worker signs what it emits; unsigned jobs are refused (see the sending tests).
      const data = new JobAuth(TEST_INTERNAL_KEY).sign(
        queue.name,
        NavigationJobName.Navigation,
        jobId,
        event,
      );
      await queue.add(NavigationJobName.Navigation, data, {
        jobId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 200 },
      });
    },
    async close() {
      await app.close();
      for (const queue of [...navigation, ...partitions]) {
        if (!first) await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
      if (!first) await db.drop();
    },
  };
}
