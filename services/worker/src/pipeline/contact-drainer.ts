import { endSpan, GroupCommit, type Span, startSpan, Tenancy, traceparentOf } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ActiveTriggers } from '../clients/active-triggers';
import { RunSet } from '../runs/run-rows';
import { type CallLogRow, CallLogRepository } from '../runs/call-log.repository';
import { type BatchRead, BatchRepository, type WrittenJob } from './batch.repository';
import { type InboxEntry, InboxRepository, contactName, type PendingEntry } from './inbox.repository';
import type { ContactKey, InboxEvent } from './jobs';
import type { ContactJob, OutboxJob } from './outbox.repository';
import { Outbox } from './outbox.service';
import { RunApplier } from './run-applier';
import { WorkerConfig } from '../worker.config';
import { batchSize } from './worker-metrics';
import { type InlineAttempt, InlineAttempts } from './inline-attempts';

/** At most this many items share one transaction. */
const MAX_BATCH = 64;

/** What the worker writes for a contact: an event to apply, and/or an API attempt's log and retry. */
export interface ContactWrite {
  contact: ContactKey;
  entry?: InboxEntry;
  callLog?: CallLogRow;
  /** Jobs decided outside an event (an API attempt's retry), sent like the others once committed. */
  jobs?: OutboxJob[];
  /** The leased outbox row of the in-process attempt this write records the outcome of (deleted with it). */
  settles?: string;
  /** No event of its own: applies the contact's pending events (the pending sweep). */
  drain?: true;
}

/**
 * Per-contact ordering, with group commit. Events (and API attempts' logs) of one workspace that arrive while
 * its previous batch is being written are written together, in one transaction that holds every contact's
 * lock: each event is recorded in its contact's inbox (its id dedupes a redelivery), applied to the contact's
 * run, and the jobs it decides go into the outbox, sent once the transaction commits. Four statements between
 * BEGIN and COMMIT whatever the batch's size (BatchRepository), then the jobs are added and their rows marked
 * sent in one statement (a contact with older jobs still unsent: behind them, by the outbox's flush
 * transaction). Each caller is answered when its batch is durable and its jobs are queued. Workspaces batch
 * independently.
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
    private readonly applier: RunApplier,
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
    const contacts = distinctContacts(writes.map((w) => w.contact));
    const entries = writes.flatMap((w) => (w.entry ? [w.entry] : []));
    const triggers = this.triggers.forWorkspace(workspaceId);
    let fresh: Set<string>;
    /** The contacts that had pending events, applied by this batch. */
    let drained = new Set<string>();
    let attempts: InlineAttempt[] = [];
    let relay: Relay = { now: [], rowIds: [], behind: [] };
    let started = (): void => undefined;
    /** A span per event applied, ended once the batch that wrote it has committed (or failed). */
    const spans: Span[] = [];
    try {
      fresh = await this.db.transaction(async (tx) => {
        await BatchRepository.lock(tx, contacts);
        // A batch of API attempts' logs and retries alone (no event, nothing to drain) reads nothing, so it does
        // not know which contacts have jobs unsent: all of its own wait behind them (`behind: null`).
        const read: Omit<BatchRead, 'behind'> & { behind: Set<string> | null } =
          entries.length === 0 && !writes.some((w) => w.drain)
            ? { pending: [], recorded: new Set<string>(), runs: [], behind: null }
            : await BatchRepository.read(
                tx,
                contacts,
                entries,
                entries.flatMap((e) => RunApplier.runIdOf(e.event) ?? []),
              );
        const runs = new RunSet(read.runs);
        const waiting = new Set(read.pending.map((p) => contactName(p.contact)));
        drained = waiting;
        const jobs: ContactJob[] = writes.flatMap((w) =>
          (w.jobs ?? []).map((job) => ({ contact: w.contact, job })),
        );
        for (const { contact, event } of this.inOrder(read.pending, entries, read.recorded)) {
          const span = startSpan(`flow.${event.kind}`, RunApplier.traceOf(event), {
            'flowbridge.workspace_id': workspaceId,
            'flowbridge.event': event.kind,
            'flowbridge.batch_size': writes.length,
          });
          spans.push(span);
          for (const job of await this.applier.apply({ runs, triggers }, contact, event, traceparentOf(span)))
            jobs.push({ contact, job });
        }
        attempts = this.inline.lease(jobs, runs);
        if (attempts.length > 0) started = this.inline.holdShutdown();
        const written = await BatchRepository.write(tx, {
          runs,
          callLogs: writes.flatMap((w) => (w.callLog ? [w.callLog] : [])),
          appliedIds: read.pending.map((p) => p.id),
          // Recorded as pending behind their contact's pending events, and applied after them just now.
          appliedEventIds: entries
            .filter((e) => waiting.has(contactName(e.contact)) && read.recorded.has(e.eventId))
            .map((e) => e.eventId),
          jobs,
          settledJobIds: writes.flatMap((w) => (w.settles ? [w.settles] : [])),
        });
        relay = relayOf(jobs, written, read.behind);
        return read.recorded;
      });
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      started();
      this.inline.unlease(attempts);
      // Alone (GroupCommit splits a failed batch): kept as pending, so that it is applied before anything that
      // comes after it. If Postgres refuses that too, the job fails with the first cause and BullMQ retries it.
      if (writes.length === 1 && writes[0].entry) await this.keepPending(writes[0]).catch(() => undefined);
      throw error;
    }
    // Committed: from here on the batch must not be written again (GroupCommit would, on a throw).
    for (const span of spans) span.end();
    this.inline.start(attempts);
    started();
    // Jobs not sent now (Redis refused) are in the outbox, and its sweep sends them. Only contacts with jobs to
    // send are flushed: rows an earlier flush left are the sweep's.
    const unsent = (err: unknown) =>
      this.logger.warn({ err }, 'jobs committed but not sent yet; the outbox sweep sends them');
    await Promise.all([
      this.outbox.sendCommitted(workspaceId, relay.now, relay.rowIds).catch(unsent),
      this.outbox.flush(workspaceId, relay.behind).catch(unsent),
    ]);
    const seen = new Set<string>();
    return writes.map((w) => {
      if (w.drain) return drained.has(contactName(w.contact));
      if (!w.entry) return true;
      const id = w.entry.eventId;
      const isNew = fresh.has(id) && !seen.has(id); // a second copy in the same batch is a duplicate
      seen.add(id);
      return isNew;
    });
  }

  /**
   * What the batch applies, in order: per contact, its pending events first (oldest first), then its new events
   * as submitted. A duplicate (recorded before, or twice in the batch) is not applied again.
   */
  private inOrder(
    pending: PendingEntry[],
    entries: InboxEntry[],
    recorded: Set<string>,
  ): Array<{ contact: ContactKey; event: InboxEvent }> {
    const taken = new Set<string>();
    const fresh = entries.filter(
      (e) => recorded.has(e.eventId) && !taken.has(e.eventId) && taken.add(e.eventId),
    );
    return [
      ...pending.map((p) => ({ contact: p.contact, event: p.payload })),
      ...fresh.map((e) => ({ contact: e.contact, event: e.event })),
    ];
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

/** How a committed batch's jobs reach their queues. */
interface Relay {
  /** Jobs of contacts with nothing older unsent, sent at once (`Outbox.sendCommitted`), and their rows. */
  now: OutboxJob[];
  rowIds: string[];
  /** Contacts whose jobs wait behind older unsent ones: sent by the flush, which takes them in row order. */
  behind: ContactKey[];
}

/** `behind`: the contacts the batch's read found with jobs unsent, or null when it read nothing. */
function relayOf(jobs: ContactJob[], written: WrittenJob[], behind: Set<string> | null): Relay {
  const waits = (contact: ContactKey) => behind === null || behind.has(contactName(contact));
  const queued = jobs.filter((j) => j.job.leaseMs === undefined);
  return {
    now: queued.filter((j) => !waits(j.contact)).map((j) => j.job),
    rowIds: written.filter((w) => !waits(w.contact)).map((w) => w.id),
    behind: distinctContacts(queued.filter((j) => waits(j.contact)).map((j) => j.contact)),
  };
}

function distinctContacts(contacts: ContactKey[]): ContactKey[] {
  const byName = new Map<string, ContactKey>();
  for (const c of contacts) byName.set(contactName(c), c);
  return [...byName.values()];
}
