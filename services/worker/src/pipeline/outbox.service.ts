import { internalKeyOf, JobAuth, ProducerQueues, Tenancy } from '@flowbridge/platform';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import { WorkerConfig } from '../worker.config';
import type { ContactKey } from './jobs';
import { type OutboxJob, OutboxRepository, type Unsent, unsentOf } from './outbox.repository';

const KEEP_COMPLETED_S = 24 * 3600;

/** An attempt whose lease ran out counts its dead process, as a stalled job would (ApiCallJob.interrupted). */
function payloadOf(row: Unsent): object {
  return row.lease_until === null ? row.payload : { ...row.payload, interrupted: 1 };
}

/**
 * Jobs decided while applying an event are written in the same transaction as the run (so a crash loses
 * none) and sent once it commits: straight away when their contact had nothing older unsent
 * (`sendCommitted`), else behind those older rows (`flush`). OutboxSweeper sends what a dead process left.
 */
@Injectable()
export class Outbox implements OnApplicationShutdown {
  private readonly queues: ProducerQueues;
  private readonly auth: JobAuth;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: WorkerConfig,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
    this.queues = new ProducerQueues(config.REDIS_URL, config.QUEUE_PREFIX, 'flowbridge-worker-outbox');
  }

  /**
   * Sends every job due for these contacts (of one workspace), oldest first, holding their rows until they are
   * queued: a second sender of the same contact sends only what came after. So one contact's navigations reach
   * the queue in flow order (rows are written in order, under the contact's lock). One transaction of two
   * statements for the whole batch.
   */
  flush(workspaceId: string, contacts: ContactKey[]): Promise<void> {
    if (contacts.length === 0) return Promise.resolve();
    return Tenancy.forWorkspace(workspaceId, () =>
      this.db.transaction(async (tx) => this.send(await OutboxRepository.claimDue(tx, contacts))),
    );
  }

  /**
   * Sends jobs a batch has just committed, for contacts that had none older unsent (its read saw none, under
   * their locks), then marks their rows sent: no lock and no transaction. Nothing of theirs can be ahead of
   * these: every older job was already queued (rows are marked only once queued), and a batch that comes after
   * this one finds these rows unsent until they are marked, so it sends them itself before its own (`flush`).
   * A job queued twice that way is one job (same id). A send that fails leaves the rows to the flush or sweep.
   */
  async sendCommitted(workspaceId: string, jobs: OutboxJob[], rowIds: string[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.send(jobs.map(unsentOf));
    await Tenancy.forWorkspace(workspaceId, () => OutboxRepository.markSent(this.db, rowIds));
  }

  /** Keeps an in-process attempt's row leased for `leaseMs` more (while its call runs). */
  async renewLease(workspaceId: string, jobId: string, leaseMs: number): Promise<void> {
    await Tenancy.forWorkspace(workspaceId, () => OutboxRepository.renewLease(this.db, jobId, leaseMs));
  }

  /** An in-process attempt that could not finish: its row loses its lease and is sent as an ordinary job. */
  async releaseLease(contact: ContactKey, jobId: string): Promise<void> {
    await Tenancy.forWorkspace(contact.workspaceId, () => OutboxRepository.releaseLease(this.db, jobId));
    await this.flush(contact.workspaceId, [contact]);
  }

  /** After a Redis restart: sends again (same job ids) every job sent since `since`. */
  async resend(tx: EntityManager, since: Date): Promise<number> {
    const rows = await OutboxRepository.sentSince(tx, since);
    await this.send(rows);
    return rows.length;
  }

  queue(name: string): Queue {
    return this.queues.get(name);
  }

  /** Adds the jobs, in order within each queue (one round trip per queue), the queues side by side. */
  private async send(rows: Unsent[]): Promise<void> {
    if (rows.length === 0) return;
    await this.queues.ready();
    const byQueue = new Map<string, Unsent[]>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    await Promise.all(
      [...byQueue].map(([queue, queued]) =>
        this.queues.addInOrder(
          queue,
          queued.map((row) => ({
            name: row.job_name,
            data: this.auth.sign(row.queue, row.job_name, row.job_id, payloadOf(row)),
            opts: {
              jobId: row.job_id,
              delay: row.delay_ms,
              removeOnComplete: { age: KEEP_COMPLETED_S, count: this.config.QUEUE_KEEP_COMPLETED },
              removeOnFail: { age: 7 * KEEP_COMPLETED_S },
              attempts: 8,
              backoff: { type: 'exponential', delay: 1000 },
            },
          })),
        ),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // Rows not sent yet stay in the outbox for the next process's sweep.
    await this.queues.close();
  }
}
