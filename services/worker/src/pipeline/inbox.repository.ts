import { prepared } from '@flowbridge/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContactKey, InboxEvent } from './jobs';

/** An event on its way into a contact's inbox. */
export interface InboxEntry {
  eventId: string;
  contact: ContactKey;
  occurredAt: string;
  event: InboxEvent;
}

export interface PendingEntry {
  id: string;
  contact: ContactKey;
  payload: InboxEvent;
}

/** An entry as the columns of its inbox row (for jsonb_to_recordset). */
export function inboxRowOf(e: InboxEntry) {
  return {
    event_id: e.eventId,
    workspace_id: e.contact.workspaceId,
    channel_id: e.contact.channelId,
    wa_id: e.contact.waId,
    kind: e.event.kind,
    payload: e.event,
    occurred_at: e.occurredAt,
  };
}

/** The contact key as one string: the lock's name and a map key. */
export function contactName(c: ContactKey): string {
  return `${c.workspaceId}/${c.channelId}/${c.waId}`;
}

/**
 * The inbox is where each event the worker takes is recorded once (its id dedupes a redelivery) and, when its
 * application failed, kept as pending so that it is applied before anything later of the same contact. The
 * batch's own statements (BatchRepository) read and write it on the hot path; this records an event alone.
 */
export const InboxRepository = {
  /**
   * Inserts the entries whose ids are not there yet, marked applied unless `pendingFor(contact)`; returns the
   * ids that were new. An id twice in one call is inserted once.
   */
  async record(
    tx: EntityManager,
    entries: InboxEntry[],
    applied: (e: InboxEntry) => boolean,
  ): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    const rows = entries.map((e) => ({ ...inboxRowOf(e), applied: applied(e) }));
    const inserted = await tx.query<Array<{ event_id: string }>>(
      `INSERT INTO worker.inbox (event_id, workspace_id, channel_id, wa_id, kind, payload, occurred_at, applied_at)
       SELECT r.event_id, r.workspace_id, r.channel_id, r.wa_id, r.kind, r.payload, r.occurred_at,
              CASE WHEN r.applied THEN now() END
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (event_id text, workspace_id text, channel_id text,
              wa_id text, kind text, payload jsonb, occurred_at timestamptz, applied boolean)) WITH ORDINALITY AS r
        ORDER BY r.ordinality
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [JSON.stringify(rows)],
    );
    return new Set(inserted.map((r) => r.event_id));
  },

  /** Whether the event is in the inbox already (applied or pending). */
  async holds(manager: EntityManager, eventId: string): Promise<boolean> {
    const [row] = await manager.query<Array<{ held: boolean }>>(
      prepared(`SELECT EXISTS (SELECT 1 FROM worker.inbox WHERE event_id = $1) AS held`),
      [eventId],
    );
    return row.held;
  },

  /**
   * Contacts with an event recorded as pending more than `olderThanMs` ago, oldest first (in the workspaces the
   * caller's scope lets it read). The partial index on pending rows keeps this cheap: they are few.
   */
  async stalled(db: DataSource, olderThanMs: number, limit: number): Promise<ContactKey[]> {
    return db.query<ContactKey[]>(
      `SELECT workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId" FROM worker.inbox
        WHERE applied_at IS NULL
        GROUP BY workspace_id, channel_id, wa_id
       HAVING min(received_at) < now() - $1 * interval '1 millisecond'
        ORDER BY min(received_at) LIMIT $2`,
      [olderThanMs, limit],
    );
  },
};
