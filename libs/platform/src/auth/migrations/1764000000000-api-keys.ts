import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1764000000000 implements MigrationInterface {
  name = 'ApiKeys1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS "auth"`);
    await q.query(
      `CREATE TABLE "auth"."api_keys" ("id" uuid NOT NULL, "workspace_id" text NOT NULL, "name" text NOT NULL, ` +
        `"prefix" text NOT NULL, "key_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `"last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, ` +
        `CONSTRAINT "UQ_api_keys_key_hash" UNIQUE ("key_hash"), CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_api_keys_workspace" ON "auth"."api_keys" ("workspace_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "auth"."api_keys"`);
  }
}
