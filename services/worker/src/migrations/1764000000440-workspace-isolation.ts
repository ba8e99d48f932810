import { workspaceIsolationMigration } from '@flowbridge/platform';

/** Row-level security: every pipeline table by its workspace, a run's steps through their run. */
export const WorkerIsolation1764000000440 = workspaceIsolationMigration('WorkerIsolation1764000000440', [
  { table: '"worker"."runs"' },
  { table: '"worker"."run_steps"', through: { parent: '"worker"."runs"', column: 'run_id' } },
  { table: '"worker"."call_log"' },
  { table: '"worker"."inbox"' },
  { table: '"worker"."outbox"' },
]);
