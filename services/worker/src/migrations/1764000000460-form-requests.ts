import { dropWorkspaceIsolationSql, workspaceIsolationSql } from '@flowbridge/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = '"worker"."form_requests"';

/**
 * Each WhatsApp Flows data-endpoint request a run's form made, as the worker answered it: the screen asked from,
 * the screen answered (or the form closed), how long it took, and the submitted values with the sensitive ones
 * masked. A run's history shows them beside its screens and call log.
 */
export class WorkerFormRequests1764000000460 implements MigrationInterface {
  name = 'WorkerFormRequests1764000000460';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE ${TABLE} (
        "id" BIGSERIAL NOT NULL,
        "workspace_id" text NOT NULL,
        "run_id" uuid NOT NULL,
        "request_id" text NOT NULL,
        "form_id" text NOT NULL,
        "action" text NOT NULL,
        "screen_id" text NOT NULL,
        "answered_screen_id" text,
        "outcome" text NOT NULL,
        "duration_ms" integer NOT NULL,
        "values" jsonb NOT NULL DEFAULT '{}',
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_form_requests" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_form_requests_request" UNIQUE ("request_id")
      )`,
    );
    await q.query(`CREATE INDEX "IDX_form_requests_run" ON ${TABLE} ("run_id", "id")`);
    for (const sql of workspaceIsolationSql({ table: TABLE })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropWorkspaceIsolationSql({ table: TABLE })) await q.query(sql);
    await q.query(`DROP TABLE ${TABLE}`);
  }
}
