import { redisEpochsTableSql } from '@flowbridge/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a Redis restart may have lost is queued again from the message log (RedisEpochWatcher): the Redis
 * restarts seen, the reply a message answers (part of its trigger event), and the recent inbound messages
 * found by time.
 */
export class MessagingRedisEpochs1764000000520 implements MigrationInterface {
  name = 'MessagingRedisEpochs1764000000520';

  async up(q: QueryRunner): Promise<void> {
    await q.query(redisEpochsTableSql('whatsapp_messaging'));
    await q.query(`ALTER TABLE "whatsapp_messaging"."messages" ADD "reply_to" text`);
    await q.query(
      `CREATE INDEX "IDX_messages_inbound_created" ON "whatsapp_messaging"."messages" ("created_at") ` +
        `WHERE direction = 'in'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "whatsapp_messaging"."IDX_messages_inbound_created"`);
    await q.query(`ALTER TABLE "whatsapp_messaging"."messages" DROP COLUMN "reply_to"`);
    await q.query(`DROP TABLE "whatsapp_messaging"."redis_epochs"`);
  }
}
