import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Messaging1764000000500 implements MigrationInterface {
  name = 'Messaging1764000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "whatsapp_messaging"."channels" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, ` +
        `"phone_number_id" text NOT NULL, "display_phone_number" text NOT NULL, "waba_id" text NOT NULL, ` +
        `"access_token" jsonb NOT NULL, "app_secret" jsonb NOT NULL, "verify_token" text NOT NULL, ` +
        `"graph_api_version" text, "messages_per_second" integer NOT NULL, "last_error" jsonb, ` +
        `"token_valid" boolean NOT NULL DEFAULT true, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_channels" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_channels_verify_token" ON "whatsapp_messaging"."channels" ("verify_token")`,
    );
    // A number belongs to one channel across all workspaces: webhooks are routed by it.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_channels_phone_number" ON "whatsapp_messaging"."channels" ("phone_number_id")`,
    );
    await q.query(
      `CREATE INDEX "IDX_channels_workspace" ON "whatsapp_messaging"."channels" ("workspace_id")`,
    );
    await q.query(
      `CREATE TABLE "whatsapp_messaging"."messages" ("id" BIGSERIAL NOT NULL, "workspace_id" text NOT NULL, ` +
        `"channel_id" uuid NOT NULL, "direction" text NOT NULL, "wa_id" text NOT NULL, "wa_message_id" text, ` +
        `"type" text NOT NULL, "content" jsonb NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_messages" PRIMARY KEY ("id"))`,
    );
    // The dedupe of Meta's redeliveries (which go on for days): it lasts as long as the log.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_messages_wa_message" ON "whatsapp_messaging"."messages" ("direction", "wa_message_id")`,
    );
    await q.query(
      `CREATE INDEX "IDX_messages_contact" ON "whatsapp_messaging"."messages" ("workspace_id", "wa_id", "id")`,
    );
    await q.query(
      `CREATE TABLE "whatsapp_messaging"."statuses" ("wa_message_id" text NOT NULL, "channel_id" uuid NOT NULL, ` +
        `"status" text NOT NULL, "rank" smallint NOT NULL, "status_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"errors" jsonb, CONSTRAINT "PK_statuses" PRIMARY KEY ("wa_message_id"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['statuses', 'messages', 'channels'])
      await q.query(`DROP TABLE "whatsapp_messaging"."${table}"`);
  }
}
