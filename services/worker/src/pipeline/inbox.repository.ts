import type { EntityManager } from 'typeorm';
import type { ContactKey, InboxEvent } from './jobs';

/** At most this many events left over from failed attempts are applied per contact in one transaction. */
const PENDING_PER_CONTACT = 100;

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

/** The contact key as one string: the lock's name and a map key. */
export function contactName(c: ContactKey): string {
  return `${c.workspaceId}/${c.channelId}/${c.waId}`;
}

/**
 * Every statement on `worker.inbox`, and the contacts' locks. The inbox is where each event the worker takes is
 * recorded once (its id dedupes a redelivery) and, when its application failed, kept as pending so that it is
 * applied before anything later of the same contact.
 */
export const InboxRepository = {
  /**
   * Takes the contacts' locks for the rest of the transaction, in one statement: advisory locks on 64-bit
   * hashes, taken in hash order so that two batches sharing contacts cannot deadlock. Two contacts whose hashes
   * collide merely wait for each other.
   */
  async lock(tx: EntityManager, contacts: ContactKey[]): Promise<void> {
    await tx.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended('worker-contact:' || k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) s`,
      [contacts.map(contactName)],
    );
  },

  /** The contacts' events still waiting to be applied, oldest first per contact. */
  pending(tx: EntityManager, contacts: ContactKey[]): Promise<PendingEntry[]> {
    return tx.query<PendingEntry[]>(
      `SELECT id, json_build_object('workspaceId', workspace_id, 'channelId', channel_id, 'waId', wa_id) AS contact,
              payload
         FROM (SELECT i.*, row_number() OVER (PARTITION BY workspace_id, channel_id, wa_id ORDER BY occurred_at, id) AS n
                 FROM worker.inbox i
                WHERE (workspace_id, channel_id, wa_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
                  AND applied_at IS NULL) p
        WHERE n <= ${PENDING_PER_CONTACT}
        ORDER BY occurred_at, id`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.channelId), contacts.map((c) => c.waId)],
    );
  },

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
    const rows = entries.map((e) => ({
      event_id: e.eventId,
      workspace_id: e.contact.workspaceId,
      channel_id: e.contact.channelId,
      wa_id: e.contact.waId,
      kind: e.event.kind,
      payload: e.event,
      occurred_at: e.occurredAt,
      applied: applied(e),
    }));
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

  /** Marks applied the pending rows given and the events given (recorded as pending in this transaction). */
  async markApplied(tx: EntityManager, pendingIds: string[], eventIds: string[]): Promise<void> {
    if (pendingIds.length === 0 && eventIds.length === 0) return;
    await tx.query(
      `UPDATE worker.inbox SET applied_at = now()
        WHERE applied_at IS NULL AND (id = ANY($1::bigint[]) OR event_id = ANY($2::text[]))`,
      [pendingIds, eventIds],
    );
  },
};
