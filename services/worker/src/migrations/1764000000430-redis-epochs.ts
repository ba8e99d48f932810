import { redisEpochsTableSql } from '@flowbridge/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox rows are kept a while after they are sent (`sent_at`), so that a Redis restart that lost the last
 * jobs it acknowledged can be answered by sending them again (RedisEpochWatcher).
 */
export class WorkerRedisEpochs1764000000430 implements MigrationInterface {
  name = 'WorkerRedisEpochs1764000000430';

  async up(q: QueryRunner): Promise<void> {
    await q.query(redisEpochsTableSql('worker'));
    await q.query(`ALTER TABLE "worker"."outbox" ADD "sent_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`DROP INDEX "worker"."IDX_outbox_contact"`);
    await q.query(
      `CREATE INDEX "IDX_outbox_unsent" ON "worker"."outbox" ("workspace_id", "channel_id", "wa_id", "id") ` +
        `WHERE sent_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX "IDX_outbox_sent" ON "worker"."outbox" ("sent_at") WHERE sent_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM "worker"."outbox" WHERE sent_at IS NOT NULL`);
    await q.query(`DROP INDEX "worker"."IDX_outbox_sent"`);
    await q.query(`DROP INDEX "worker"."IDX_outbox_unsent"`);
    await q.query(
      `CREATE INDEX "IDX_outbox_contact" ON "worker"."outbox" ("workspace_id", "channel_id", "wa_id", "id")`,
    );
    await q.query(`ALTER TABLE "worker"."outbox" DROP COLUMN "sent_at"`);
    await q.query(`DROP TABLE "worker"."redis_epochs"`);
  }
}
