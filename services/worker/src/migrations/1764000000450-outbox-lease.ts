import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An API step's first attempt runs in the process that decided it, right after the decision commits; its
 * outbox row is the durable record meanwhile, leased until `lease_until` (renewed while the attempt runs; not sent to the queue). The attempt's
 * result deletes the row; a lease that runs out (the process died) makes the sweep send the row as a
 * `flow-api-calls` job, like any other.
 */
export class WorkerOutboxLease1764000000450 implements MigrationInterface {
  name = 'WorkerOutboxLease1764000000450';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "worker"."outbox" ADD "lease_until" TIMESTAMP WITH TIME ZONE`);
    // The attempt's result finds its row by job id.
    await q.query(
      `CREATE INDEX "IDX_outbox_leased" ON "worker"."outbox" ("job_id") WHERE lease_until IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Leased rows become ordinary unsent rows: the next sweep sends them as jobs.
    await q.query(`DROP INDEX "worker"."IDX_outbox_leased"`);
    await q.query(`ALTER TABLE "worker"."outbox" DROP COLUMN "lease_until"`);
  }
}
