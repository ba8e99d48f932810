import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Worker1764000000400 implements MigrationInterface {
  name = 'Worker1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "worker"."runs" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, "channel_id" text NOT NULL, ` +
        `"wa_id" text NOT NULL, "flow_id" uuid NOT NULL, "flow_version" integer NOT NULL, "status" text NOT NULL, ` +
        `"screen_id" text, "state" jsonb NOT NULL, "end_reason" text, ` +
        `"started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, ` +
        `"ended_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_runs" PRIMARY KEY ("id"))`,
    );
    // At most one run in progress per contact and channel.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_runs_live_contact" ON "worker"."runs" ("workspace_id", "channel_id", "wa_id") ` +
        `WHERE "status" IN ('active', 'waiting_input')`,
    );
    await q.query(
      `CREATE INDEX "IDX_runs_workspace_started" ON "worker"."runs" ("workspace_id", "started_at")`,
    );
    await q.query(
      `CREATE INDEX "IDX_runs_expiry" ON "worker"."runs" ("expires_at") WHERE "status" IN ('active', 'waiting_input')`,
    );
    await q.query(
      `CREATE TABLE "worker"."call_log" ("id" bigserial NOT NULL, "run_id" uuid NOT NULL, "workspace_id" text NOT NULL, ` +
        `"step_key" text NOT NULL, "attempt" integer NOT NULL, "api_id" text NOT NULL, "flow_id" uuid NOT NULL, ` +
        `"flow_version" integer NOT NULL, "entry" jsonb NOT NULL, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_call_log" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_call_log_run" ON "worker"."call_log" ("run_id", "id")`);
    // One row per contact: its lock, so that one contact's events apply one at a time.
    await q.query(
      `CREATE TABLE "worker"."contacts" ("workspace_id" text NOT NULL, "channel_id" text NOT NULL, "wa_id" text NOT NULL, ` +
        `CONSTRAINT "PK_contacts" PRIMARY KEY ("workspace_id", "channel_id", "wa_id"))`,
    );
    // Every event, applied in order per contact; the event id dedupes redeliveries.
    await q.query(
      `CREATE TABLE "worker"."inbox" ("id" bigserial NOT NULL, "event_id" text NOT NULL, "workspace_id" text NOT NULL, ` +
        `"channel_id" text NOT NULL, "wa_id" text NOT NULL, "kind" text NOT NULL, "payload" jsonb NOT NULL, ` +
        `"occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"applied_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_inbox" PRIMARY KEY ("id"), ` +
        `CONSTRAINT "UQ_inbox_event" UNIQUE ("event_id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_inbox_pending" ON "worker"."inbox" ("workspace_id", "channel_id", "wa_id", "occurred_at", "id") ` +
        `WHERE "applied_at" IS NULL`,
    );
    // Jobs decided inside a transaction, sent after it commits, per contact in order (and by a sweep after a crash).
    await q.query(
      `CREATE TABLE "worker"."outbox" ("id" bigserial NOT NULL, "workspace_id" text NOT NULL, "channel_id" text NOT NULL, ` +
        `"wa_id" text NOT NULL, "queue" text NOT NULL, "job_name" text NOT NULL, ` +
        `"job_id" text NOT NULL, "payload" jsonb NOT NULL, "delay_ms" integer NOT NULL DEFAULT 0, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_outbox" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_outbox_contact" ON "worker"."outbox" ("workspace_id", "channel_id", "wa_id", "id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'inbox', 'contacts', 'call_log', 'runs'])
      await q.query(`DROP TABLE "worker"."${table}"`);
  }
}
