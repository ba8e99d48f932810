import type { CallLogEntry } from '@flowbridge/contracts';
import type { EntityManager } from 'typeorm';

/** One API attempt of a run, as the request engine logged it (secrets masked, bodies cut). */
export interface CallLogRow {
  runId: string;
  workspaceId: string;
  stepKey: string;
  attempt: number;
  apiId: string;
  flowId: string;
  flowVersion: number;
  entry: CallLogEntry;
}

/** Every write of `worker.call_log`. */
export const CallLogRepository = {
  /** In one statement, in the order given. */
  async insert(tx: EntityManager, rows: CallLogRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO worker.call_log (run_id, workspace_id, step_key, attempt, api_id, flow_id, flow_version, entry)
       SELECT r."runId", r."workspaceId", r."stepKey", r.attempt, r."apiId", r."flowId", r."flowVersion", r.entry
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS ("runId" uuid, "workspaceId" text, "stepKey" text,
              attempt integer, "apiId" text, "flowId" uuid, "flowVersion" integer, entry jsonb)) WITH ORDINALITY AS r
        ORDER BY r.ordinality`,
      [JSON.stringify(rows)],
    );
  },
};
