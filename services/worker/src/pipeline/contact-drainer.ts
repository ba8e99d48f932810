import { endSpan, GroupCommit, Tenancy } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ActiveTriggers } from '../clients/active-triggers';
import { CallLogRepository } from '../runs/call-log.repository';
import { WorkerConfig } from '../worker.config';
import { BatchApplier, BatchOutcome, type ContactWrite } from './batch-applier';
import { BatchRepository } from './batch.repository';
import { InboxRepository, contactName } from './inbox.repository';
import { InlineAttempts } from './inline-attempts';
import type { ContactKey, InboxEvent } from './jobs';
import { Outbox } from './outbox.service';
import { batchSize } from './worker-metrics';

/** At most this many items share one transaction. */
const MAX_BATCH = 64;

/**
 * Per-contact ordering, with group commit. Events (and API attempts' logs) of one workspace that arrive while
 * its previous batch is being written are written together, in one transaction that holds every contact's
 * lock (BatchApplier): each event is recorded in its contact's inbox (its id dedupes a redelivery), applied to
 * the contact's run, and the jobs it decides go into the outbox, sent once the transaction commits, straight
 * away (a contact with older jobs still unsent: behind them, by the outbox's flush). Each caller is answered
 * when its batch is durable and its jobs are queued. Workspaces batch independently.
 *
 * An event whose application fails (a service it needs did not answer) stays in the inbox as pending and is
 * applied before any later event of the contact, so a retry that comes back late cannot overtake. A batch that
 * fails is written again item by item (GroupCommit), so one bad event fails only its own job.
 */
@Injectable()
export class ContactDrainer {
  private readonly logger = new Logger(ContactDrainer.name);
  private readonly group: GroupCommit<ContactWrite, boolean>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly batches: BatchApplier,
    private readonly outbox: Outbox,
    private readonly triggers: ActiveTriggers,
    private readonly inline: InlineAttempts,
    config: WorkerConfig,
  ) {
    this.group = new GroupCommit(
      (workspaceId, writes) => Tenancy.forWorkspace(workspaceId, () => this.write(workspaceId, writes)),
      { maxBatch: MAX_BATCH, concurrency: config.WORKER_WRITE_CONCURRENCY, writer: 'worker' },
    );
  }

  /** Applies the event (after any pending ones of the contact); false when it had been applied before. */
  handle(eventId: string, contact: ContactKey, occurredAt: string, event: InboxEvent): Promise<boolean> {
    return this.submit({ contact, entry: { eventId, contact, occurredAt, event } });
  }

  /**
   * Applies the contact's pending events, if it has any (their own jobs' retries would, later or never); false
   * when it had none left.
   */
  drain(contact: ContactKey): Promise<boolean> {
    return this.submit({ contact, drain: true });
  }

  /**
   * Writes what the item carries, in the contact's workspace (the rows of no other workspace can be read or
   * written on its behalf); true when its event was new (or it carried none; a drain: when there was one).
   */
  submit(write: ContactWrite): Promise<boolean> {
    return this.group.submit(write.contact.workspaceId, write);
  }

  private async write(workspaceId: string, writes: ContactWrite[]): Promise<boolean[]> {
    batchSize.observe(writes.length);
    const triggers = this.triggers.forWorkspace(workspaceId);
    const outcome = new BatchOutcome();
    try {
      await this.db.transaction((tx) => this.batches.apply(tx, workspaceId, writes, triggers, outcome));
    } catch (error) {
      for (const span of outcome.spans) endSpan(span, error);
      outcome.released();
      this.inline.unlease(outcome.attempts);
      // Alone (GroupCommit splits a failed batch): kept as pending, so that it is applied before anything that
      // comes after it. If Postgres refuses that too, the job fails with the first cause and BullMQ retries it.
      if (writes.length === 1 && writes[0].entry) await this.keepPending(writes[0]).catch(() => undefined);
      throw error;
    }
    // Committed: from here on the batch must not be written again (GroupCommit would, on a throw).
    for (const span of outcome.spans) span.end();
    this.inline.start(outcome.attempts);
    outcome.released();
    // Jobs not sent now (Redis refused) are in the outbox, and its sweep sends them. Only contacts with jobs to
    // send are flushed: rows an earlier flush left are the sweep's.
    const unsent = (err: unknown) =>
      this.logger.warn({ err }, 'jobs committed but not sent yet; the outbox sweep sends them');
    const { relay } = outcome;
    await Promise.all([
      this.outbox.sendCommitted(workspaceId, relay.now, relay.rowIds).catch(unsent),
      this.outbox.flush(workspaceId, relay.behind).catch(unsent),
    ]);
    const seen = new Set<string>();
    return writes.map((w) => {
      if (w.drain) return outcome.drained.has(contactName(w.contact));
      if (!w.entry) return true;
      const id = w.entry.eventId;
      const isNew = outcome.recorded.has(id) && !seen.has(id); // a second copy in the same batch is a duplicate
      seen.add(id);
      return isNew;
    });
  }

  /**
   * Under the contact's lock, like every write of its inbox. Without it, a batch carrying the same event (the
   * retry's job of an in-process attempt whose lease ran out) could read the contact's pending events before
   * this row commits and then find its own copy taken (ON CONFLICT waits for this insert): it would apply
   * neither, and the event would stay pending with nothing left to apply it.
   */
  private async keepPending(write: ContactWrite): Promise<void> {
    await this.db.transaction(async (tx: EntityManager) => {
      await BatchRepository.lock(tx, [write.contact]);
      await InboxRepository.record(tx, [write.entry!], () => false);
      if (write.callLog) await CallLogRepository.insert(tx, [write.callLog]);
    });
  }
}
