import { prepared } from '@flowbridge/platform';
import type { EntityManager } from 'typeorm';
import type { CallLogRow } from '../runs/call-log.repository';
import type { RunEntity } from '../runs/run.entity';
import { RUN_COLUMNS, type RunSet } from '../runs/run-rows';
import { type InboxEntry, inboxRowOf, type PendingEntry } from './inbox.repository';
import type { ContactKey } from './jobs';
import type { ContactJob } from './outbox.repository';

/** At most this many events left over from failed attempts are applied per contact in one transaction. */
const PENDING_PER_CONTACT = 100;

/** What a batch reads once its contacts are locked. */
export interface BatchRead {
  /** The contacts' events still waiting to be applied (an earlier attempt failed), oldest first per contact. */
  pending: PendingEntry[];
  /** The ids of the batch's events that were new (the others had been recorded before). */
  recorded: Set<string>;
  /** Every run the batch's events name by id, and the live run of each contact. */
  runs: RunEntity[];
  /**
   * The contacts (by `contactName`) that have jobs committed and not yet sent (a process committed them and has
   * not sent them, or died before): the batch's own jobs for them must wait for those, behind the outbox flush.
   */
  behind: Set<string>;
}

/** What a batch writes once its events are applied. */
export interface BatchWrite {
  runs: RunSet;
  callLogs: CallLogRow[];
  /** Inbox rows applied now: pending rows by id, and events recorded as pending in this transaction. */
  appliedIds: string[];
  appliedEventIds: string[];
  jobs: ContactJob[];
  /** Outbox rows of API attempts run in-process whose outcome this batch records: done with, deleted. */
  settledJobIds: string[];
}

/** An outbox row the batch wrote to be sent (not leased), in the order of `BatchWrite.jobs`. */
export interface WrittenJob {
  id: string;
  contact: ContactKey;
}

/**
 * The statements of the worker's group commit, as few round trips as the data allows: the contacts' locks; one
 * statement that reads what is pending, records the new events and reads the runs; and two that write (the
 * runs, then everything that hangs off them: a run's steps are checked against their run by row-level
 * security, so they cannot be written in the statement that creates it).
 */
export const BatchRepository = {
  /**
   * Takes the contacts' locks for the rest of the transaction, in one statement: advisory locks on 64-bit
   * hashes, taken in hash order so that two batches sharing contacts cannot deadlock. On its own, before any
   * read: a statement's snapshot is taken when it starts, so a read in the same statement could miss what the
   * lock's previous holder committed.
   */
  async lock(tx: EntityManager, contacts: ContactKey[]): Promise<void> {
    await tx.query(
      prepared(`SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended('worker-contact:' || k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) s`),
      [contacts.map((c) => `${c.workspaceId}/${c.channelId}/${c.waId}`)],
    );
  },

  /**
   * Pending events, the new events recorded (as applied, unless their contact has pending ones: then they are
   * applied after those, in this batch), the runs, and which contacts have jobs not sent yet, in one round trip.
   */
  async read(
    tx: EntityManager,
    contacts: ContactKey[],
    entries: InboxEntry[],
    runIds: string[],
  ): Promise<BatchRead> {
    const [row] = await tx.query<
      Array<{
        pending: Array<{ id: string; contact: ContactKey; payload: PendingEntry['payload'] }>;
        recorded: string[];
        runs: Array<Omit<RunEntity, 'startedAt' | 'updatedAt' | 'expiresAt' | 'endedAt'> & Dated>;
        behind: string[];
      }>
    >(
      prepared(`WITH contacts AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS c(workspace_id, channel_id, wa_id)),
       pending AS (
         SELECT id, workspace_id, channel_id, wa_id, payload, occurred_at FROM (
           SELECT i.id, i.workspace_id, i.channel_id, i.wa_id, i.payload, i.occurred_at,
                  row_number() OVER (PARTITION BY i.workspace_id, i.channel_id, i.wa_id ORDER BY i.occurred_at, i.id) AS n
             FROM worker.inbox i
            WHERE (i.workspace_id, i.channel_id, i.wa_id) IN (SELECT * FROM contacts) AND i.applied_at IS NULL) p
          WHERE n <= ${PENDING_PER_CONTACT}),
       recorded AS (
         INSERT INTO worker.inbox (event_id, workspace_id, channel_id, wa_id, kind, payload, occurred_at, applied_at)
         SELECT r.event_id, r.workspace_id, r.channel_id, r.wa_id, r.kind, r.payload, r.occurred_at,
                CASE WHEN EXISTS (SELECT 1 FROM pending p WHERE p.workspace_id = r.workspace_id
                                     AND p.channel_id = r.channel_id AND p.wa_id = r.wa_id) THEN NULL ELSE now() END
           FROM ROWS FROM (jsonb_to_recordset($4::jsonb) AS (event_id text, workspace_id text, channel_id text,
                wa_id text, kind text, payload jsonb, occurred_at timestamptz)) WITH ORDINALITY AS r
          ORDER BY r.ordinality
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id),
       wanted AS (
         SELECT unnest($5::uuid[]) AS id
         UNION SELECT (payload->>'runId')::uuid FROM pending WHERE payload ? 'runId'),
       runs AS (
         SELECT ${RUN_COLUMNS} FROM worker.runs WHERE id IN (SELECT id FROM wanted)
         UNION ALL
         SELECT ${RUN_COLUMNS} FROM worker.runs
          WHERE (workspace_id, channel_id, wa_id) IN (SELECT * FROM contacts)
            AND status IN ('active', 'waiting_input') AND id NOT IN (SELECT id FROM wanted)),
       behind AS (
         SELECT DISTINCT workspace_id || '/' || channel_id || '/' || wa_id AS contact FROM worker.outbox
          WHERE (workspace_id, channel_id, wa_id) IN (SELECT * FROM contacts)
            AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < now()))
       SELECT
         (SELECT coalesce(json_agg(json_build_object('id', id::text,
                   'contact', json_build_object('workspaceId', workspace_id, 'channelId', channel_id, 'waId', wa_id),
                   'payload', payload) ORDER BY occurred_at, id), '[]'::json) FROM pending) AS pending,
         (SELECT coalesce(json_agg(event_id), '[]'::json) FROM recorded) AS recorded,
         (SELECT coalesce(json_agg(r), '[]'::json) FROM runs r) AS runs,
         (SELECT coalesce(json_agg(contact), '[]'::json) FROM behind) AS behind`),
      [
        contacts.map((c) => c.workspaceId),
        contacts.map((c) => c.channelId),
        contacts.map((c) => c.waId),
        JSON.stringify(entries.map(inboxRowOf)),
        runIds,
      ],
    );
    return {
      pending: row.pending,
      recorded: new Set(row.recorded),
      runs: row.runs.map((r) => ({
        ...r,
        startedAt: new Date(r.startedAt),
        updatedAt: new Date(r.updatedAt),
        expiresAt: new Date(r.expiresAt),
        endedAt: r.endedAt === null ? null : new Date(r.endedAt),
      })),
      behind: new Set(row.behind),
    };
  },

  /**
   * The runs first (their steps' row-level security looks them up), then the rest in one statement. Returns the
   * outbox rows written to be sent.
   */
  async write(tx: EntityManager, batch: BatchWrite): Promise<WrittenJob[]> {
    await batch.runs.saveRuns(tx);
    const steps = batch.runs.enteredSteps();
    if (
      steps.length === 0 &&
      batch.callLogs.length === 0 &&
      batch.appliedIds.length === 0 &&
      batch.appliedEventIds.length === 0 &&
      batch.jobs.length === 0 &&
      batch.settledJobIds.length === 0
    )
      return [];
    const [row] = await tx.query<Array<{ outbox: WrittenJob[] }>>(
      prepared(`WITH steps AS (
         INSERT INTO worker.run_steps (run_id, cause, screen_id, navigation_id)
         SELECT r."runId", r.cause, r."screenId", r."navigationId"
           FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS ("runId" uuid, cause text, "screenId" text,
                "navigationId" text)) WITH ORDINALITY AS r
          ORDER BY r.ordinality
         RETURNING 1),
       calls AS (
         INSERT INTO worker.call_log (run_id, workspace_id, step_key, attempt, api_id, flow_id, flow_version, entry)
         SELECT r."runId", r."workspaceId", r."stepKey", r.attempt, r."apiId", r."flowId", r."flowVersion", r.entry
           FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS ("runId" uuid, "workspaceId" text, "stepKey" text,
                attempt integer, "apiId" text, "flowId" uuid, "flowVersion" integer, entry jsonb)) WITH ORDINALITY AS r
          ORDER BY r.ordinality
         RETURNING 1),
       applied AS (
         UPDATE worker.inbox SET applied_at = now()
          WHERE applied_at IS NULL AND (id = ANY($3::bigint[]) OR event_id = ANY($4::text[]))
         RETURNING 1),
       outbox AS (
         INSERT INTO worker.outbox
                (workspace_id, channel_id, wa_id, queue, job_name, job_id, payload, delay_ms, lease_until)
         SELECT r.workspace_id, r.channel_id, r.wa_id, r.queue, r.job_name, r.job_id, r.payload, r.delay_ms,
                now() + r.lease_ms * interval '1 millisecond'
           FROM ROWS FROM (jsonb_to_recordset($5::jsonb) AS (workspace_id text, channel_id text, wa_id text,
                queue text, job_name text, job_id text, payload jsonb, delay_ms integer, lease_ms integer))
                WITH ORDINALITY AS r
          ORDER BY r.ordinality
         RETURNING id, workspace_id, channel_id, wa_id, lease_until),
       settled AS (
         DELETE FROM worker.outbox WHERE job_id = ANY($6::text[]) AND lease_until IS NOT NULL RETURNING 1)
       SELECT (SELECT count(*) FROM steps) AS steps, (SELECT count(*) FROM calls) AS calls,
              (SELECT count(*) FROM applied) AS applied, (SELECT count(*) FROM settled) AS settled,
              (SELECT coalesce(json_agg(json_build_object('id', id::text, 'contact', json_build_object(
                        'workspaceId', workspace_id, 'channelId', channel_id, 'waId', wa_id)) ORDER BY id), '[]'::json)
                 FROM outbox WHERE lease_until IS NULL) AS outbox`),
      [
        JSON.stringify(steps),
        JSON.stringify(batch.callLogs),
        batch.appliedIds,
        batch.appliedEventIds,
        JSON.stringify(
          batch.jobs.map(({ contact, job }) => ({
            workspace_id: contact.workspaceId,
            channel_id: contact.channelId,
            wa_id: contact.waId,
            queue: job.queue,
            job_name: job.name,
            job_id: job.jobId,
            payload: job.payload,
            delay_ms: job.delayMs ?? 0,
            lease_ms: job.leaseMs ?? null,
          })),
        ),
        batch.settledJobIds,
      ],
    );
    return row.outbox;
  },
};

/** The run's timestamps as JSON gives them. */
interface Dated {
  startedAt: string;
  updatedAt: string;
  expiresAt: string;
  endedAt: string | null;
}
