import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConnectionsAndApis1764000000100 implements MigrationInterface {
  name = 'ConnectionsAndApis1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "connections"."connections" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, "title" text NOT NULL, ` +
        `"base_url" text NOT NULL, "auth_type" text NOT NULL, "auth_settings" jsonb NOT NULL DEFAULT '{}', ` +
        `"auth_secrets" jsonb NOT NULL DEFAULT '{}', "headers" jsonb NOT NULL DEFAULT '{}', ` +
        `"secret_headers" jsonb NOT NULL DEFAULT '{}', "timeout_ms" integer NOT NULL, "retry" jsonb NOT NULL, ` +
        `"rate_limit" double precision, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, ` +
        `CONSTRAINT "PK_connections" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_connections_workspace" ON "connections"."connections" ("workspace_id")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_connections_workspace_title" ON "connections"."connections" ("workspace_id", lower("title"))`,
    );
    await q.query(
      `CREATE TABLE "connections"."apis" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, "connection_id" uuid NOT NULL, ` +
        `"name" text NOT NULL, "method" text NOT NULL, "path" text NOT NULL, "query" jsonb NOT NULL DEFAULT '{}', ` +
        `"headers" jsonb NOT NULL DEFAULT '{}', "secret_headers" jsonb NOT NULL DEFAULT '{}', "body" jsonb, ` +
        `"success_when" jsonb NOT NULL, "response_mapping" jsonb NOT NULL DEFAULT '{}', "timeout_ms" integer, ` +
        `"retry" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, ` +
        `CONSTRAINT "PK_apis" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_apis_connection" ON "connections"."apis" ("connection_id")`);
    await q.query(`CREATE INDEX "IDX_apis_workspace" ON "connections"."apis" ("workspace_id")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_apis_workspace_name" ON "connections"."apis" ("workspace_id", lower("name"))`,
    );
    await q.query(
      `ALTER TABLE "connections"."apis" ADD CONSTRAINT "FK_apis_connection" FOREIGN KEY ("connection_id") ` +
        `REFERENCES "connections"."connections"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "connections"."apis"`);
    await q.query(`DROP TABLE "connections"."connections"`);
  }
}
