import type { JsonValue } from '@flowbridge/contracts';
import type { EntityManager } from 'typeorm';

/** answered: the screen the form asked for; failure: its failure screen; deadline: the same, in time; closed: 427. */
export type FormRequestOutcome = 'answered' | 'failure' | 'deadline' | 'closed';

export interface FormRequestRow {
  workspaceId: string;
  runId: string;
  requestId: string;
  formId: string;
  action: string;
  screenId: string;
  answeredScreenId: string | null;
  outcome: FormRequestOutcome;
  durationMs: number;
  /** Sensitive inputs masked. */
  values: Record<string, JsonValue>;
  receivedAt: Date;
}

export interface FormRequestView {
  requestId: string;
  formId: string;
  action: string;
  screenId: string;
  answeredScreenId: string | null;
  outcome: FormRequestOutcome;
  durationMs: number;
  values: Record<string, JsonValue>;
  receivedAt: string;
}

/** Every read and write of `worker.form_requests`. */
export const FormRequestRepository = {
  /** A redelivered job's request is recorded once. */
  async insert(tx: EntityManager, row: FormRequestRow): Promise<void> {
    await tx.query(
      `INSERT INTO worker.form_requests (workspace_id, run_id, request_id, form_id, action, screen_id,
         answered_screen_id, outcome, duration_ms, "values", received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (request_id) DO NOTHING`,
      [
        row.workspaceId,
        row.runId,
        row.requestId,
        row.formId,
        row.action,
        row.screenId,
        row.answeredScreenId,
        row.outcome,
        row.durationMs,
        JSON.stringify(row.values),
        row.receivedAt,
      ],
    );
  },

  async ofRun(tx: EntityManager, runId: string): Promise<FormRequestView[]> {
    const rows = await tx.query<Array<FormRequestView & { receivedAt: Date }>>(
      `SELECT request_id AS "requestId", form_id AS "formId", action, screen_id AS "screenId",
              answered_screen_id AS "answeredScreenId", outcome, duration_ms AS "durationMs", "values",
              received_at AS "receivedAt"
         FROM worker.form_requests WHERE run_id = $1 ORDER BY id`,
      [runId],
    );
    return rows.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt).toISOString() }));
  },
};
