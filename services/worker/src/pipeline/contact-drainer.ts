import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ContactKey, InboxEvent } from './jobs';
import { lockContact } from './contact-lock';
import { Outbox } from './outbox.service';
import { RunApplier } from './run-applier';

/**
 * Per-contact ordering: every event goes into the contact's inbox first; then whoever holds the contact's
 * row lock applies the pending events one at a time, oldest first. Workers handling other contacts run in
 * parallel; a second worker with an event of the same contact waits for the lock and finds the inbox done.
 */
@Injectable()
export class ContactDrainer {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applier: RunApplier,
    private readonly outbox: Outbox,
  ) {}

  /** Records the event once (the id dedupes a redelivery); false when it was there already. */
  async receive(
    eventId: string,
    contact: ContactKey,
    occurredAt: string,
    event: InboxEvent,
  ): Promise<boolean> {
    const inserted = await this.db.query<Array<{ id: string }>>(
      `INSERT INTO worker.inbox (event_id, workspace_id, channel_id, wa_id, kind, payload, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING RETURNING id`,
      [
        eventId,
        contact.workspaceId,
        contact.channelId,
        contact.waId,
        event.kind,
        JSON.stringify(event),
        occurredAt,
      ],
    );
    return inserted.length > 0;
  }

  async drain(contact: ContactKey): Promise<void> {
    for (;;) {
      const applied = await this.db.transaction(async (tx) => {
        const key = [contact.workspaceId, contact.channelId, contact.waId];
        await lockContact(tx, contact);
        const [next] = await tx.query<Array<{ id: string; payload: InboxEvent }>>(
          `SELECT id, payload FROM worker.inbox
            WHERE workspace_id = $1 AND channel_id = $2 AND wa_id = $3 AND applied_at IS NULL
            ORDER BY occurred_at, id LIMIT 1`,
          key,
        );
        if (!next) return false;
        const jobs = await this.applier.apply(tx, contact, next.payload);
        await tx.query(`UPDATE worker.inbox SET applied_at = now() WHERE id = $1`, [next.id]);
        await this.outbox.record(tx, contact, jobs);
        return true;
      });
      await this.outbox.flush(contact);
      if (!applied) return;
    }
  }
}
