import { dropWorkspaceIsolationSql, workspaceIsolationSql } from '@flowbridge/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = '"whatsapp_messaging"."published_forms"';

/**
 * The Cloud API Flow each form of a published flow version became, per channel (its endpoint URI names the
 * channel, whose key the requests are encrypted to): a flow message of that version sends this Flow id.
 */
export class MessagingPublishedForms1764000000550 implements MigrationInterface {
  name = 'MessagingPublishedForms1764000000550';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE ${TABLE} (
        "workspace_id" text NOT NULL,
        "flow_id" uuid NOT NULL,
        "flow_version" integer NOT NULL,
        "form_id" text NOT NULL,
        "channel_id" uuid NOT NULL,
        "meta_flow_id" text NOT NULL,
        "published_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_published_forms" PRIMARY KEY ("flow_id", "flow_version", "form_id", "channel_id")
      )`,
    );
    for (const sql of workspaceIsolationSql({ table: TABLE })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropWorkspaceIsolationSql({ table: TABLE })) await q.query(sql);
    await q.query(`DROP TABLE ${TABLE}`);
  }
}
