import { ApiKeyEntity, runMigrations } from '@flowbridge/platform';
import { createTestDatabase, type TestDatabase } from '@flowbridge/testing';
import { DataSource } from 'typeorm';
import { ApiEntity } from '../services/connections/src/apis/api.entity';
import { ConnectionEntity } from '../services/connections/src/connections/connection.entity';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from '../services/connections/src/migrations';
import { FlowEntity } from '../services/flow-definition/src/flows/flow.entity';
import {
  FLOW_DEFINITION_MIGRATIONS,
  FLOW_DEFINITION_SCHEMA,
} from '../services/flow-definition/src/migrations';
import { FlowVersionEntity } from '../services/flow-definition/src/publishing/flow-version.entity';
import { WORKER_MIGRATIONS, WORKER_SCHEMA } from '../services/worker/src/migrations';
import { CallLogEntity } from '../services/worker/src/runs/call-log.entity';
import { RunEntity } from '../services/worker/src/runs/run.entity';
import { RunStepEntity } from '../services/worker/src/runs/run-step.entity';
import { ChannelEntity } from '../services/whatsapp-messaging/src/channels/channel.entity';
import { MessageEntity } from '../services/whatsapp-messaging/src/messages/message.entity';
import { StatusEntity } from '../services/whatsapp-messaging/src/messages/status.entity';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from '../services/whatsapp-messaging/src/migrations';

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('apply once, in order, and are a no-op the second time, even when replicas race', async () => {
    const options = {
      databaseUrl: db.url,
      service: 'connections',
      schema: CONNECTIONS_SCHEMA,
      migrations: CONNECTIONS_MIGRATIONS,
    };
    const [first, second] = await Promise.all([runMigrations(options), runMigrations(options)]);
    // Each applied exactly once across both replicas, in the order listed.
    expect([...first, ...second]).toEqual([
      'auth.ApiKeys1764000000000',
      'auth.ApiKeysIsolation1764000000001',
      'connections.ConnectionsAndApis1764000000100',
      'connections.ApiIdempotencyKey1764000000200',
      'connections.ConnectionsIsolation1764000000210',
    ]);
    expect(await runMigrations(options)).toEqual([]);
    expect(
      await runMigrations({
        databaseUrl: db.url,
        service: 'flow-definition',
        schema: FLOW_DEFINITION_SCHEMA,
        migrations: FLOW_DEFINITION_MIGRATIONS,
      }),
    ).toEqual([
      'flow_definition.Flows1764000000300',
      'flow_definition.FlowsIsolation1764000000310',
      'flow_definition.FlowsApiTriggers1764000000320',
    ]);
    expect(
      await runMigrations({
        databaseUrl: db.url,
        service: 'worker',
        schema: WORKER_SCHEMA,
        migrations: WORKER_MIGRATIONS,
      }),
    ).toEqual([
      'worker.Worker1764000000400',
      'worker.WorkerContactLock1764000000410',
      'worker.WorkerRunSteps1764000000420',
      'worker.WorkerRedisEpochs1764000000430',
      'worker.WorkerIsolation1764000000440',
      'worker.WorkerOutboxLease1764000000450',
      'worker.WorkerFormRequests1764000000460',
    ]);
    expect(
      await runMigrations({
        databaseUrl: db.url,
        service: 'whatsapp-messaging',
        schema: MESSAGING_SCHEMA,
        migrations: MESSAGING_MIGRATIONS,
      }),
    ).toEqual([
      'whatsapp_messaging.Messaging1764000000500',
      'whatsapp_messaging.MessagingOutbound1764000000510',
      'whatsapp_messaging.MessagingRedisEpochs1764000000520',
      'whatsapp_messaging.MessagingIsolation1764000000530',
      'whatsapp_messaging.MessagingFlowKeys1764000000540',
      'whatsapp_messaging.MessagingPublishedForms1764000000550',
      'whatsapp_messaging.MessagingSendTraces1764000000560',
    ]);
  });

  // The entities and the migrations must describe the same schema: a change to one without the other fails
  // here (TypeORM would otherwise generate SQL to reconcile them).
  it.each([
    ['connections', CONNECTIONS_SCHEMA, [ConnectionEntity, ApiEntity]],
    ['auth', 'auth', [ApiKeyEntity]],
    ['flow-definition', FLOW_DEFINITION_SCHEMA, [FlowEntity, FlowVersionEntity]],
    ['worker', WORKER_SCHEMA, [RunEntity, CallLogEntity, RunStepEntity]],
    ['whatsapp-messaging', MESSAGING_SCHEMA, [ChannelEntity, MessageEntity, StatusEntity]],
  ])('leave no drift between the %s entities and the database', async (_name, schema, entities) => {
    const source = new DataSource({ type: 'postgres', url: db.url, schema, entities });
    await source.initialize();
    try {
      const pending = await source.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await source.destroy();
    }
  });
});
