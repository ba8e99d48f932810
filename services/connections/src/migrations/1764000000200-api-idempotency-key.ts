import type { MigrationInterface, QueryRunner } from 'typeorm';

/** APIs choose whether an Idempotency-Key is sent (null keeps the default: every method but GET and HEAD). */
export class ApiIdempotencyKey1764000000200 implements MigrationInterface {
  name = 'ApiIdempotencyKey1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "connections"."apis" ADD "idempotency_key" boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "connections"."apis" DROP COLUMN "idempotency_key"`);
  }
}
