import { valuesList } from '@flowbridge/platform';
import type { EntityManager } from 'typeorm';
import type { RunEntity } from './run.entity';

/**
 * The hot path reads and writes runs with plain SQL: TypeORM's `save` reads the row before writing it, and
 * its query building costs more CPU than the statement itself.
 */
const COLUMNS = `id, workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId", flow_id AS "flowId",
  flow_version AS "flowVersion", status, screen_id AS "screenId", state, end_reason AS "endReason",
  started_at AS "startedAt", updated_at AS "updatedAt", expires_at AS "expiresAt", ended_at AS "endedAt"`;

export async function runById(tx: EntityManager, id: string): Promise<RunEntity | null> {
  const [run] = await tx.query<RunEntity[]>(`SELECT ${COLUMNS} FROM worker.runs WHERE id = $1`, [id]);
  return run ?? null;
}

/** The contact's run in progress, if any (there is at most one). */
export async function liveRun(
  tx: EntityManager,
  contact: { workspaceId: string; channelId: string; waId: string },
): Promise<RunEntity | null> {
  const [run] = await tx.query<RunEntity[]>(
    `SELECT ${COLUMNS} FROM worker.runs
      WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 AND status IN ('active', 'waiting_input')`,
    [contact.workspaceId, contact.channelId, contact.waId],
  );
  return run ?? null;
}

/** Writes the run: inserted when `created`, else its moving parts updated. */
export async function writeRun(tx: EntityManager, run: RunEntity, created: boolean): Promise<void> {
  const moving = [
    run.status,
    run.screenId,
    JSON.stringify(run.state),
    run.endReason,
    run.expiresAt,
    run.endedAt,
  ];
  if (created)
    await tx.query(
      `INSERT INTO worker.runs (status, screen_id, state, end_reason, expires_at, ended_at,
                                id, workspace_id, channel_id, wa_id, flow_id, flow_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [...moving, run.id, run.workspaceId, run.channelId, run.waId, run.flowId, run.flowVersion],
    );
  else
    await tx.query(
      `UPDATE worker.runs SET status = $1, screen_id = $2, state = $3, end_reason = $4, expires_at = $5,
                              ended_at = $6, updated_at = now()
        WHERE id = $7`,
      [...moving, run.id],
    );
}

/** Appends the screens an event moved the run through (one statement). */
export async function writeSteps(
  tx: EntityManager,
  runId: string,
  cause: string,
  steps: Array<{ screenId: string; navigationId: string | null }>,
): Promise<void> {
  if (steps.length === 0) return;
  const values = valuesList(
    [runId, cause],
    steps.map((s) => [s.screenId, s.navigationId]),
  );
  await tx.query(
    `INSERT INTO worker.run_steps (run_id, cause, screen_id, navigation_id) VALUES ${values.sql}`,
    values.params,
  );
}
