import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A contact's lock is now a transaction-scoped advisory lock: one statement, and no row written per contact. */
export class WorkerContactLock1764000000410 implements MigrationInterface {
  name = 'WorkerContactLock1764000000410';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "worker"."contacts"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "worker"."contacts" ("workspace_id" text NOT NULL, "channel_id" text NOT NULL, "wa_id" text NOT NULL, ` +
        `CONSTRAINT "PK_contacts" PRIMARY KEY ("workspace_id", "channel_id", "wa_id"))`,
    );
  }
}
