import { redisEpochsTableSql, workspaceIsolationSql } from '@flowbridge/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API trigger's events, recorded before `POST /flows/:id/runs` answers 202 (its event id dedupes a retry),
 * so that a Redis that lost its last writes gets them again (RedisEpochWatcher), as webhooks do from the message
 * log; and the Redis restarts seen. Rows older than a day are pruned.
 */
export class FlowsApiTriggers1764000000320 implements MigrationInterface {
  name = 'FlowsApiTriggers1764000000320';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "flow_definition"."api_triggers" ("event_id" text NOT NULL, "workspace_id" text NOT NULL, ` +
        `"event" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_api_triggers" PRIMARY KEY ("event_id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_api_triggers_created" ON "flow_definition"."api_triggers" ("created_at")`,
    );
    for (const sql of workspaceIsolationSql({ table: '"flow_definition"."api_triggers"' }))
      await q.query(sql);
    await q.query(redisEpochsTableSql('flow_definition'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "flow_definition"."redis_epochs"`);
    await q.query(`DROP TABLE "flow_definition"."api_triggers"`);
  }
}
