import { Tenancy } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContactKey, InboxEvent } from './jobs';
import { lockContact } from './contact-lock';
import { Outbox, type OutboxJob } from './outbox.service';
import { RunApplier } from './run-applier';

/** At most this many events left over from failed attempts are applied in one transaction. */
const PENDING_BATCH = 100;

/**
 * Per-contact ordering. An event is applied in one transaction that holds the contact's lock: it is recorded
 * in the contact's inbox (its id dedupes a redelivery), applied to the run, and the jobs it decides go into the
 * outbox, which is sent once the transaction commits. Workers handling other contacts run in parallel.
 *
 * An event whose application fails (a service it needs did not answer) stays in the inbox as pending and is
 * applied before any later event of the contact, so a retry that comes back late cannot overtake.
 */
@Injectable()
export class ContactDrainer {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: RunApplier,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Applies the event (after any pending ones of the contact); false when it had been applied before. In the
   * contact's workspace: the rows of no other workspace can be read or written on its behalf.
   */
  handle(eventId: string, contact: ContactKey, occurredAt: string, event: InboxEvent): Promise<boolean> {
    return Tenancy.forWorkspace(contact.workspaceId, () => this.apply(eventId, contact, occurredAt, event));
  }

  private async apply(
    eventId: string,
    contact: ContactKey,
    occurredAt: string,
    event: InboxEvent,
  ): Promise<boolean> {
    const entry = { eventId, contact, occurredAt, event };
    let outcome: { fresh: boolean; sent: number };
    try {
      outcome = await this.db.transaction(async (tx) => {
        await lockContact(tx, contact);
        const pending = await tx.query<Array<{ id: string; payload: InboxEvent }>>(
          `SELECT id, payload FROM worker.inbox
            WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 AND applied_at IS NULL
            ORDER BY occurred_at, id LIMIT ${PENDING_BATCH}`,
          [contact.workspaceId, contact.channelId, contact.waId],
        );
        // With nothing pending (the usual case) the event is recorded as applied right away.
        const fresh = await this.record(tx, entry, pending.length === 0);
        const events = pending.map((p) => p.payload);
        if (fresh) events.push(event);
        const jobs: OutboxJob[] = [];
        for (const next of events) jobs.push(...(await this.applier.apply(tx, contact, next)));
        if (pending.length > 0)
          await tx.query(
            `UPDATE worker.inbox SET applied_at = now()
              WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 AND applied_at IS NULL
                AND (id = ANY($4::bigint[]) OR event_id = $5)`,
            [contact.workspaceId, contact.channelId, contact.waId, pending.map((p) => p.id), eventId],
          );
        await this.outbox.record(tx, contact, jobs);
        return { fresh, sent: jobs.length };
      });
    } catch (error) {
      // Kept as pending, so that it is applied before anything that comes after it. If Postgres refuses
      // that too, the job fails with the first cause and BullMQ retries it.
      await this.record(this.db.manager, entry, false).catch(() => undefined);
      throw error;
    }
    if (outcome.sent > 0) await this.outbox.flush(contact);
    return outcome.fresh;
  }

  /** Inserts the inbox entry unless its id is there already; true when it was new. */
  private async record(
    tx: EntityManager,
    {
      eventId,
      contact,
      occurredAt,
      event,
    }: { eventId: string; contact: ContactKey; occurredAt: string; event: InboxEvent },
    applied: boolean,
  ): Promise<boolean> {
    const inserted = await tx.query<Array<{ id: string }>>(
      `INSERT INTO worker.inbox (event_id, workspace_id, channel_id, wa_id, kind, payload, occurred_at, applied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::boolean THEN now() END)
       ON CONFLICT (event_id) DO NOTHING RETURNING id`,
      [
        eventId,
        contact.workspaceId,
        contact.channelId,
        contact.waId,
        event.kind,
        JSON.stringify(event),
        occurredAt,
        applied,
      ],
    );
    return inserted.length > 0;
  }
}
