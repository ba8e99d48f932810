import {
  internalKeyOf,
  JobAuth,
  Periodic,
  prepared,
  ProducerQueues,
  REDIS,
  RedisEpochWatcher,
  Tenancy,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import { WorkerConfig } from '../worker.config';
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

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: object;
  delay_ms: number;
  /** Set on an API attempt that was run in-process: sent as a job, its process died during it. */
  lease_until: Date | null;
}

const SWEEP_EVERY_MS = 5000;
/** Rows older than this were left by a process that died between commit and send. */
const ORPHAN_AFTER_MS = 10_000;
const KEEP_COMPLETED_S = 24 * 3600;
/** Sent rows older than this (before Redis was last seen alive) are deleted. */
const KEEP_SENT_MS = 10 * 60_000;

/** A job as its outbox row holds it (one not leased). */
function rowOf(job: OutboxJob): Unsent {
  return {
    queue: job.queue,
    job_name: job.name,
    job_id: job.jobId,
    payload: job.payload,
    delay_ms: job.delayMs ?? 0,
    lease_until: null,
  };
}

/** What sending a row needs. */
type Unsent = Omit<OutboxRow, 'id'>;

/** An attempt whose lease ran out counts its dead process, as a stalled job would (ApiCallJob.interrupted). */
function payloadOf(row: Unsent): object {
  return row.lease_until === null ? row.payload : { ...row.payload, interrupted: 1 };
}

/**
 * Jobs decided while applying an event are written in the same transaction as the run (so a crash loses
 * none) and sent once it commits: straight away when their contact had nothing older unsent
 * (`sendCommitted`), else behind those older rows (`flush`). A sweep sends what a dead process left behind.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Outbox.name);
  private readonly queues: ProducerQueues;
  private readonly sweeper = new Periodic(
    () => this.sweep(),
    SWEEP_EVERY_MS,
    (err) => this.logger.warn({ err }, 'outbox sweep failed; retrying'),
  );

  private readonly epochs: RedisEpochWatcher;
  private readonly auth: JobAuth;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: WorkerConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
    this.queues = new ProducerQueues(config.REDIS_URL, config.QUEUE_PREFIX, 'flowbridge-worker-outbox');
    this.epochs = new RedisEpochWatcher(db, redis, 'worker', (tx, since) => this.resend(tx, since));
  }

  /**
   * Sends every job waiting for these contacts (of one workspace), oldest first, holding their rows: a second
   * sender of the same contact waits for those rows, finds them sent once this one commits, and sends only what
   * came after. So one contact's navigations reach the queue in flow order (rows are written in order, under
   * the contact's lock). One transaction of two statements for the whole batch.
   */
  flush(workspaceId: string, contacts: ContactKey[]): Promise<void> {
    if (contacts.length === 0) return Promise.resolve();
    return Tenancy.forWorkspace(workspaceId, () => this.flushContacts(contacts));
  }

  private async flushContacts(contacts: ContactKey[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Marking rows sent needs no fsync: a mark lost in a crash only sends the jobs again, under the same ids
      // (BullMQ keeps them, so nothing is added twice). In the statement that locks the rows; a failed send rolls
      // the mark back.
      const rows = await tx.query<[OutboxRow[], number]>(
        prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE worker.outbox SET sent_at = now() FROM relaxed
          WHERE id IN (SELECT id FROM worker.outbox
                        WHERE (workspace_id, channel_id, wa_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
                          AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < now())
                        ORDER BY id FOR UPDATE)
          RETURNING id, queue, job_name, job_id, payload, delay_ms, lease_until`),
        [contacts.map((c) => c.workspaceId), contacts.map((c) => c.channelId), contacts.map((c) => c.waId)],
      );
      // Kept a while once sent: a Redis that restarts may have lost the last jobs it acknowledged.
      await this.send(rows[0].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id))));
    });
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
    await this.send(jobs.map(rowOf));
    await Tenancy.forWorkspace(workspaceId, () =>
      this.db.query(
        prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE worker.outbox SET sent_at = now() FROM relaxed WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`),
        [rowIds],
      ),
    );
  }

  /** Keeps an in-process attempt's row leased for `leaseMs` more (while its call runs). */
  async renewLease(workspaceId: string, jobId: string, leaseMs: number): Promise<void> {
    await Tenancy.forWorkspace(workspaceId, () =>
      this.db.query(
        `UPDATE worker.outbox SET lease_until = now() + $2 * interval '1 millisecond'
          WHERE job_id = $1 AND lease_until IS NOT NULL AND sent_at IS NULL`,
        [jobId, leaseMs],
      ),
    );
  }

  /** An in-process attempt that could not finish: its row loses its lease and is sent as an ordinary job. */
  async releaseLease(contact: ContactKey, jobId: string): Promise<void> {
    await Tenancy.forWorkspace(contact.workspaceId, () =>
      this.db.query(
        `UPDATE worker.outbox SET lease_until = NULL
          WHERE job_id = $1 AND lease_until IS NOT NULL AND sent_at IS NULL`,
        [jobId],
      ),
    );
    await this.flush(contact.workspaceId, [contact]);
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

  /** After a Redis restart: sends again (same job ids) every job sent since `since`. */
  async resend(tx: EntityManager, since: Date): Promise<number> {
    const rows = await tx.query<OutboxRow[]>(
      `SELECT id, queue, job_name, job_id, payload, delay_ms, lease_until FROM worker.outbox
        WHERE sent_at >= $1 ORDER BY id`,
      [since.toISOString()],
    );
    await this.send(rows);
    return rows.length;
  }

  /**
   * Sends what a process that died between commit and send left behind, and the API attempts whose lease ran
   * out (the process running them died), in every workspace.
   */
  sweep(): Promise<void> {
    return Tenancy.acrossWorkspaces(() => this.sweepAll());
  }

  private async sweepAll(): Promise<void> {
    const contacts = await this.db.query<ContactKey[]>(
      `SELECT DISTINCT workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId" FROM worker.outbox
        WHERE sent_at IS NULL
          AND CASE WHEN lease_until IS NULL THEN created_at < now() - ($1 || ' milliseconds')::interval
                   ELSE lease_until < now() END
        LIMIT 200`,
      [ORPHAN_AFTER_MS],
    );
    for (const contact of contacts) await this.flush(contact.workspaceId, [contact]);
    // Sent rows go once Redis has been seen alive well after them (not while it is down: they may be needed).
    await this.db.query(
      `DELETE FROM worker.outbox WHERE id IN (
         SELECT id FROM worker.outbox
          WHERE sent_at < (SELECT max(last_seen_at) FROM worker.redis_epochs) - ($1 || ' milliseconds')::interval
          LIMIT 5000)`,
      [KEEP_SENT_MS],
    );
  }

  queue(name: string): Queue {
    return this.queues.get(name);
  }

  onApplicationBootstrap(): void {
    this.sweeper.start();
    this.epochs.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.sweeper.stop();
    this.epochs.stop();
    // Rows not sent yet stay in the outbox for the next process's sweep.
    await this.queues.close();
  }
}
