import { prepared } from '@flowbridge/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContactKey } from './jobs';

/** A job and the contact it was decided for. */
export interface ContactJob {
  contact: ContactKey;
  job: OutboxJob;
}

export interface OutboxJob {
  /** A queue name: `flow-api-calls` or one of the `flow-navigation.<k>` partitions. */
  queue: string;
  name: string;
  /** Deterministic: a job sent twice (after a crash) is one job while BullMQ keeps it. */
  jobId: string;
  payload: object;
  delayMs?: number;
  /** Run in this process instead (an API step's first attempt): the row is held for this long, not sent. */
  leaseMs?: number;
}

/** A job as its outbox row holds it, ready to be sent. */
export interface Unsent {
  queue: string;
  job_name: string;
  job_id: string;
  payload: object;
  delay_ms: number;
  /** Set on an API attempt that was run in-process: sent as a job, its process died during it. */
  lease_until: Date | null;
}

export type OutboxRow = Unsent & { id: string };

/** A job as its outbox row holds it (one not leased). */
export function unsentOf(job: OutboxJob): Unsent {
  return {
    queue: job.queue,
    job_name: job.name,
    job_id: job.jobId,
    payload: job.payload,
    delay_ms: job.delayMs ?? 0,
    lease_until: null,
  };
}

const ROW_COLUMNS = 'id, queue, job_name, job_id, payload, delay_ms, lease_until';

/**
 * The outbox's statements. The batch writes its rows (BatchRepository), in the transaction that decides them;
 * these send them: each row is marked sent once its job is queued, and kept a while after (a Redis that
 * restarts may have lost the last jobs it acknowledged). A mark needs no fsync: one lost in a crash only sends
 * the job again, under the same id (BullMQ keeps it, so nothing is added twice).
 */
export const OutboxRepository = {
  /**
   * Marks every row of these contacts that is due (unsent, not leased) sent, in one statement that locks them in
   * row order: a second claimer of the same contact waits for those rows, and finds them sent once this
   * transaction commits (a failed send rolls the mark back). Returns them oldest first.
   */
  async claimDue(tx: EntityManager, contacts: ContactKey[]): Promise<OutboxRow[]> {
    const [rows] = await tx.query<[OutboxRow[], number]>(
      prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE worker.outbox SET sent_at = now() FROM relaxed
        WHERE id IN (SELECT id FROM worker.outbox
                      WHERE (workspace_id, channel_id, wa_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
                        AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < now())
                      ORDER BY id FOR UPDATE)
        RETURNING ${ROW_COLUMNS}`),
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.channelId), contacts.map((c) => c.waId)],
    );
    return rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  },

  /** Marks rows sent whose jobs were queued without claiming them (`Outbox.sendCommitted`). */
  async markSent(db: DataSource, rowIds: string[]): Promise<void> {
    await db.query(
      prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE worker.outbox SET sent_at = now() FROM relaxed WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`),
      [rowIds],
    );
  },

  /** Keeps an in-process attempt's row leased for `leaseMs` more. */
  async renewLease(db: DataSource, jobId: string, leaseMs: number): Promise<void> {
    await db.query(
      `UPDATE worker.outbox SET lease_until = now() + $2 * interval '1 millisecond'
        WHERE job_id = $1 AND lease_until IS NOT NULL AND sent_at IS NULL`,
      [jobId, leaseMs],
    );
  },

  /** Takes an in-process attempt's lease away: its row is due like any other. */
  async releaseLease(db: DataSource, jobId: string): Promise<void> {
    await db.query(
      `UPDATE worker.outbox SET lease_until = NULL
        WHERE job_id = $1 AND lease_until IS NOT NULL AND sent_at IS NULL`,
      [jobId],
    );
  },

  /** Every row sent since `since`, oldest first. */
  sentSince(tx: EntityManager, since: Date): Promise<OutboxRow[]> {
    return tx.query<OutboxRow[]>(`SELECT ${ROW_COLUMNS} FROM worker.outbox WHERE sent_at >= $1 ORDER BY id`, [
      since.toISOString(),
    ]);
  },

  /**
   * Contacts with rows left unsent for longer than `orphanAfterMs` (their process died between commit and send)
   * or leased past their lease (the process running the attempt died).
   */
  orphaned(db: DataSource, orphanAfterMs: number, limit: number): Promise<ContactKey[]> {
    return db.query<ContactKey[]>(
      `SELECT DISTINCT workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId" FROM worker.outbox
        WHERE sent_at IS NULL
          AND CASE WHEN lease_until IS NULL THEN created_at < now() - ($1 || ' milliseconds')::interval
                   ELSE lease_until < now() END
        LIMIT ${limit}`,
      [orphanAfterMs],
    );
  },

  /**
   * Deletes rows sent more than `keepMs` before Redis was last seen alive (not while it is down: they may be
   * needed), at most `limit` of them.
   */
  async deleteSent(db: DataSource, keepMs: number, limit: number): Promise<void> {
    await db.query(
      `DELETE FROM worker.outbox WHERE id IN (
         SELECT id FROM worker.outbox
          WHERE sent_at < (SELECT max(last_seen_at) FROM worker.redis_epochs) - ($1 || ' milliseconds')::interval
          LIMIT ${limit})`,
      [keepMs],
    );
  },
};
