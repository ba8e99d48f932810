import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Flows1764000000300 implements MigrationInterface {
  name = 'Flows1764000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "flow_definition"."flows" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, "name" text NOT NULL, ` +
        `"document" jsonb NOT NULL, "problems" jsonb NOT NULL DEFAULT '[]', "channel_ids" jsonb NOT NULL DEFAULT '[]', ` +
        `"active_version" integer, "latest_version" integer NOT NULL DEFAULT 0, "activated_at" TIMESTAMP WITH TIME ZONE, ` +
        `"deleted_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, ` +
        `CONSTRAINT "PK_flows" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "IDX_flows_workspace" ON "flow_definition"."flows" ("workspace_id") WHERE "deleted_at" IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_flows_workspace_name" ON "flow_definition"."flows" ("workspace_id", lower("name")) ` +
        `WHERE "deleted_at" IS NULL`,
    );
    await q.query(
      `CREATE TABLE "flow_definition"."flow_versions" ("flow_id" uuid NOT NULL, "number" integer NOT NULL, ` +
        `"workspace_id" text NOT NULL, "document" jsonb NOT NULL, "triggers" jsonb NOT NULL, ` +
        `"channel_ids" jsonb NOT NULL, "published_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_flow_versions" PRIMARY KEY ("flow_id", "number"), ` +
        `CONSTRAINT "FK_flow_versions_flow" FOREIGN KEY ("flow_id") REFERENCES "flow_definition"."flows"("id") ON DELETE CASCADE)`,
    );
    // A published version is what runs execute: the database refuses to change one.
    await q.query(
      `CREATE FUNCTION "flow_definition"."refuse_version_update"() RETURNS trigger LANGUAGE plpgsql AS $$ ` +
        `BEGIN RAISE EXCEPTION 'flow versions are immutable' USING ERRCODE = 'restrict_violation'; END $$`,
    );
    await q.query(
      `CREATE TRIGGER "TR_flow_versions_immutable" BEFORE UPDATE ON "flow_definition"."flow_versions" ` +
        `FOR EACH ROW EXECUTE FUNCTION "flow_definition"."refuse_version_update"()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "flow_definition"."flow_versions"`);
    await q.query(`DROP FUNCTION "flow_definition"."refuse_version_update"()`);
    await q.query(`DROP TABLE "flow_definition"."flows"`);
  }
}
