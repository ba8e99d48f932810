import { type Span, startSpan, traceparentOf } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TriggerMatcher } from '../clients/active-triggers';
import type { CallLogRow } from '../runs/call-log.repository';
import { RunSet } from '../runs/run-rows';
import { type BatchRead, BatchRepository, type WrittenJob } from './batch.repository';
import { type InboxEntry, contactName, type PendingEntry } from './inbox.repository';
import { type InlineAttempt, InlineAttempts } from './inline-attempts';
import type { ContactKey, InboxEvent } from './jobs';
import type { ContactJob, OutboxJob } from './outbox.repository';
import { RunApplier } from './run-applier';

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

/** How a committed batch's jobs reach their queues. */
export interface Relay {
  /** Jobs of contacts with nothing older unsent, sent at once (`Outbox.sendCommitted`), and their rows. */
  now: OutboxJob[];
  rowIds: string[];
  /** Contacts whose jobs wait behind older unsent ones: sent by the flush, which takes them in row order. */
  behind: ContactKey[];
}

/** What a batch's transaction leaves to do once it has committed, or failed (filled in as it goes). */
export class BatchOutcome {
  /** The batch's events that were new. */
  recorded = new Set<string>();
  /** The contacts (by `contactName`) that had pending events, applied by this batch. */
  drained = new Set<string>();
  /** The in-process first attempts leased: started once committed, given back if not. */
  attempts: InlineAttempt[] = [];
  relay: Relay = { now: [], rowIds: [], behind: [] };
  /** A span per event applied, ended once the batch has committed (or failed). */
  spans: Span[] = [];
  /** Lets shutdown go on once the leased attempts are started (or given back). */
  released: () => void = () => undefined;
}

/**
 * One batch's transaction (ContactDrainer's group commit), four statements whatever its size: every contact's
 * lock; what is pending, the new events recorded and the runs (BatchRepository.read); then, once the events are
 * applied in order in memory, the runs, steps, call logs, inbox marks and outbox rows (BatchRepository.write).
 */
@Injectable()
export class BatchApplier {
  constructor(
    private readonly applier: RunApplier,
    private readonly inline: InlineAttempts,
  ) {}

  async apply(
    tx: EntityManager,
    workspaceId: string,
    writes: ContactWrite[],
    triggers: TriggerMatcher,
    outcome: BatchOutcome,
  ): Promise<void> {
    const contacts = distinctContacts(writes.map((w) => w.contact));
    const entries = writes.flatMap((w) => (w.entry ? [w.entry] : []));
    await BatchRepository.lock(tx, contacts);
    // A batch of API attempts' logs and retries alone (no event, nothing to drain) reads nothing, so it does not
    // know which contacts have jobs unsent: all of its own wait behind them (`behind: null`).
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
    outcome.drained = waiting;
    const jobs: ContactJob[] = writes.flatMap((w) =>
      (w.jobs ?? []).map((job) => ({ contact: w.contact, job })),
    );
    for (const { contact, event } of inOrder(read.pending, entries, read.recorded)) {
      const span = startSpan(`flow.${event.kind}`, RunApplier.traceOf(event), {
        'flowbridge.workspace_id': workspaceId,
        'flowbridge.event': event.kind,
        'flowbridge.batch_size': writes.length,
      });
      outcome.spans.push(span);
      for (const job of await this.applier.apply({ runs, triggers }, contact, event, traceparentOf(span)))
        jobs.push({ contact, job });
    }
    outcome.attempts = this.inline.lease(jobs, runs);
    if (outcome.attempts.length > 0) outcome.released = this.inline.holdShutdown();
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
    outcome.relay = relayOf(jobs, written, read.behind);
    outcome.recorded = read.recorded;
  }
}

/**
 * What the batch applies, in order: per contact, its pending events first (oldest first), then its new events
 * as submitted. A duplicate (recorded before, or twice in the batch) is not applied again.
 */
function inOrder(
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
