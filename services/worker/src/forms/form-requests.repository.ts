import type { JsonValue } from '@flowbridge/contracts';
import type { EntityManager } from 'typeorm';
import type { CallLogRow } from '../runs/call-log.repository';

/**
 * answered: the screen the form asked for; failure: its failure screen; deadline: the same, in time; closed:
 * 427; late: answered after the holding replica had answered on its own (recorded, not used).
 */
export type FormRequestOutcome = 'answered' | 'failure' | 'deadline' | 'closed' | 'late';

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

/** A request as the run's history shows it. */
export type FormRequestView = Omit<FormRequestRow, 'workspaceId' | 'runId' | 'receivedAt'> & {
  receivedAt: string;
};

/** A request's row and the API attempts it made (its call log), written together. */
export interface FormRequestRecord {
  request: FormRequestRow;
  calls: CallLogRow[];
}

/** Every read and write of `worker.form_requests`. */
export const FormRequestRepository = {
  /**
   * Many requests and their call logs in one statement (atomic on its own: no transaction round trips). A
   * redelivered job's request is recorded once; its attempts were logged with it the first time.
   */
  async insertMany(db: EntityManager, records: FormRequestRecord[]): Promise<void> {
    if (records.length === 0) return;
    const requests = records.map((r) => ({ ...r.request, receivedAt: r.request.receivedAt.toISOString() }));
    const calls = records.flatMap((r) => r.calls);
    await db.query(
      `WITH requests AS (
         INSERT INTO worker.form_requests (workspace_id, run_id, request_id, form_id, action, screen_id,
                answered_screen_id, outcome, duration_ms, "values", received_at)
         SELECT r."workspaceId", r."runId", r."requestId", r."formId", r.action, r."screenId", r."answeredScreenId",
                r.outcome, r."durationMs", r."values", r."receivedAt"
           FROM jsonb_to_recordset($1::jsonb) AS r("workspaceId" text, "runId" uuid, "requestId" text,
                "formId" text, action text, "screenId" text, "answeredScreenId" text, outcome text,
                "durationMs" integer, "values" jsonb, "receivedAt" timestamptz)
         ON CONFLICT (request_id) DO NOTHING
         RETURNING request_id)
       INSERT INTO worker.call_log (run_id, workspace_id, step_key, attempt, api_id, flow_id, flow_version, entry)
       SELECT c."runId", c."workspaceId", c."stepKey", c.attempt, c."apiId", c."flowId", c."flowVersion", c.entry
         FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS ("runId" uuid, "workspaceId" text, "stepKey" text,
              attempt integer, "apiId" text, "flowId" uuid, "flowVersion" integer, entry jsonb)) WITH ORDINALITY AS c
        WHERE c."stepKey" IN (SELECT 'form-' || request_id FROM requests)
        ORDER BY c.ordinality`,
      [JSON.stringify(requests), JSON.stringify(calls)],
    );
  },

  async ofRun(db: EntityManager, runId: string): Promise<FormRequestView[]> {
    const rows = await db.query<Array<FormRequestView & { receivedAt: Date }>>(
      `SELECT request_id AS "requestId", form_id AS "formId", action, screen_id AS "screenId",
              answered_screen_id AS "answeredScreenId", outcome, duration_ms AS "durationMs", "values",
              received_at AS "receivedAt"
         FROM worker.form_requests WHERE run_id = $1 ORDER BY id`,
      [runId],
    );
    return rows.map((r) => ({ ...r, receivedAt: new Date(r.receivedAt).toISOString() }));
  },
};
