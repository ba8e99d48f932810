import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound messages are sent from the log itself: each navigation's parts are rows, queued in the order the
 * worker emitted them, deduped by (navigation id, part), and moved to sent or failed by the send.
 */
export class MessagingOutbound1764000000510 implements MigrationInterface {
  name = 'MessagingOutbound1764000000510';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "whatsapp_messaging"."messages" ADD "navigation_id" text, ADD "part" smallint, ` +
        `ADD "send_state" text, ADD "attempts" integer NOT NULL DEFAULT 0, ` +
        `ADD "next_attempt_at" TIMESTAMP WITH TIME ZONE, ADD "sending_since" TIMESTAMP WITH TIME ZONE, ` +
        `ADD "sent_at" TIMESTAMP WITH TIME ZONE, ADD "error" jsonb`,
    );
    // A navigation delivered again inserts nothing: its parts are already here (NULLs, inbound, never clash).
    await q.query(
      `CREATE UNIQUE INDEX "UQ_messages_navigation_part" ON "whatsapp_messaging"."messages" ("navigation_id", "part")`,
    );
    // The send queue of each contact: only the rows still to send.
    await q.query(
      `CREATE INDEX "IDX_messages_unsent" ON "whatsapp_messaging"."messages" ("channel_id", "wa_id", "id") ` +
        `WHERE send_state IN ('queued', 'sending')`,
    );
    await q.query(`ALTER TABLE "whatsapp_messaging"."statuses" ADD "callback_data" text`);
    await q.query(
      `CREATE INDEX "IDX_statuses_callback" ON "whatsapp_messaging"."statuses" ("callback_data")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "whatsapp_messaging"."IDX_statuses_callback"`);
    await q.query(`ALTER TABLE "whatsapp_messaging"."statuses" DROP COLUMN "callback_data"`);
    await q.query(`DROP INDEX "whatsapp_messaging"."IDX_messages_unsent"`);
    await q.query(`DROP INDEX "whatsapp_messaging"."UQ_messages_navigation_part"`);
    await q.query(
      `ALTER TABLE "whatsapp_messaging"."messages" DROP COLUMN "navigation_id", DROP COLUMN "part", ` +
        `DROP COLUMN "send_state", DROP COLUMN "attempts", DROP COLUMN "next_attempt_at", ` +
        `DROP COLUMN "sending_since", DROP COLUMN "sent_at", DROP COLUMN "error"`,
    );
  }
}
