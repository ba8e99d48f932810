import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The screens each run went through, for GET /runs/:id. */
export class WorkerRunSteps1764000000420 implements MigrationInterface {
  name = 'WorkerRunSteps1764000000420';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "worker"."run_steps" ("id" bigserial NOT NULL, "run_id" uuid NOT NULL, "screen_id" text NOT NULL, ` +
        `"cause" text NOT NULL, "navigation_id" text, ` +
        `"entered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_run_steps" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "IDX_run_steps_run" ON "worker"."run_steps" ("run_id", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "worker"."run_steps"`);
  }
}
