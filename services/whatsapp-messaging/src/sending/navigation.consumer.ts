import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { NavigationJobName, navigationQueue, readNavigationEvent } from '@flowbridge/contracts';
import {
  internalKeyOf,
  JobAuth,
  limitGlobalConcurrency,
  elapsedMs,
  endSpan,
  metricOnce,
  noUseCaseFor,
  Periodic,
  REDIS,
  consumerConnection,
  consumerShutdownBudgetMs,
  settleWithin,
  startSpan,
  traceparentOf,
  UnavailabilityParking,
} from '@flowbridge/platform';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';

import { SendLane } from './send-lane';
import { SendScheduler } from './send-scheduler';

const navigations = metricOnce(
  'flowbridge_navigations_total',
  () =>
    new Counter({
      name: 'flowbridge_navigations_total',
      help: 'Navigation events taken by outcome (queued, already_queued: redelivered or retried, refused)',
      labelNames: ['outcome'],
    }),
);

const SWEEP_EVERY_MS = 10_000;

/**
 * Consumes the `flow-navigation.<k>` partitions, one job at a time per partition across every replica: a
 * contact's navigations are queued for sending in the order the worker emitted them (and, for a contact with
 * nothing else queued, the first part claimed for sending by the same statement). A job ends once its parts
 * are queued; the SendScheduler sends them, outside the partition, so a slow Cloud API or a contact waiting
 * for a retry holds no partition.
 */
@Injectable()
export class NavigationConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NavigationConsumer.name);
  private readonly workers: Worker[] = [];
  private readonly sweeper = new Periodic(
    () => this.sweep(),
    SWEEP_EVERY_MS,
    (err) => this.logger.warn({ err }, 'overdue send sweep failed; retrying'),
  );
  private stopping = false;
  /** Stored on every job this replica processes (`processedBy`), so an operator can tell replicas apart. */
  readonly name = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly auth: JobAuth;
  /** Postgres or Redis down: the navigation waits for it, however long, without spending its attempts. */
  private readonly parking = new UnavailabilityParking();

  constructor(
    private readonly config: WhatsappMessagingConfig,
    private readonly lane: SendLane,
    private readonly scheduler: SendScheduler,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
  }

  onApplicationBootstrap(): void {
    const connection = consumerConnection(this.config.REDIS_URL);
    for (let p = 0; p < this.config.NAVIGATION_PARTITIONS; p++) {
      const name = navigationQueue(p);
      const worker = new Worker(name, (job, token) => this.onNavigationJob(job, token), {
        prefix: this.config.QUEUE_PREFIX,
        connection,
        autorun: false,
        concurrency: 1,
        name: this.name,
      });
      worker.on('failed', (job, err) =>
        this.logger.warn(
          { err, jobId: job?.id, queue: name, attempt: job?.attemptsMade },
          'navigation job failed',
        ),
      );
      worker.on('error', (err) => this.logger.debug({ err, queue: name }, 'queue connection error'));
      this.workers.push(worker);
      void limitGlobalConcurrency(name, {
        prefix: this.config.QUEUE_PREFIX,
        redisUrl: this.config.REDIS_URL,
        concurrency: 1,
        stopped: () => this.stopping,
      });
      worker.run().catch((err: unknown) => this.logger.error({ err, queue: name }, 'queue consumer stopped'));
    }
    this.sweeper.start();
  }

  /** A navigation partition's job, by name, to its use-case. */
  onNavigationJob(job: Job, token?: string): Promise<void> {
    const name = this.authentic(job);
    switch (name) {
      case NavigationJobName.Navigation:
        return this.queueSends(job, token);
      default:
        return noUseCaseFor(name);
    }
  }

  /** Only the worker emits navigations: a job added by hand or by a client of Redis is never sent. */
  private authentic(job: Job): NavigationJobName {
    const refusal = this.auth.check(job, Object.values(NavigationJobName));
    if (!refusal) return job.name as NavigationJobName;
    navigations.inc({ outcome: 'refused' });
    this.logger.error(
      { jobId: job.id, queue: job.queueName, name: job.name, refusal },
      'navigation job refused',
    );
    throw new UnrecoverableError(`navigation job refused: ${refusal}`);
  }

  /** The navigation's parts queued for sending (the durable record); the sends run outside the partition. */
  private async queueSends(job: Job, token?: string): Promise<void> {
    const navigation = readNavigationEvent(job.data);
    if (typeof navigation === 'string') {
      navigations.inc({ outcome: 'refused' });
      this.logger.error({ jobId: job.id, reason: navigation }, 'navigation event refused');
      throw new UnrecoverableError(`invalid navigation event: ${navigation}`);
    }
    const began = performance.now();
    // The sends' trace: a child of the step that entered the screen, carried by each queued row.
    const span = startSpan('flow.navigation', navigation.trace, {
      'flowbridge.workspace_id': navigation.workspaceId,
      'flowbridge.run_id': navigation.runId,
      'flowbridge.screen_id': navigation.screenId,
    });
    const trace = traceparentOf(span);
    const queued = await this.parking
      .run(job, token, () =>
        this.lane.queueAndClaim(trace === undefined ? navigation : { ...navigation, trace }),
      )
      .catch((error: unknown) => {
        endSpan(span, error);
        throw error;
      });
    const outcome = queued.fresh ? 'queued' : 'already_queued';
    navigations.inc({ outcome });
    endSpan(span, undefined, { 'flowbridge.outcome': outcome });
    this.logger.log(
      {
        jobId: job.id,
        navigationId: navigation.navigationId,
        runId: navigation.runId,
        workspaceId: navigation.workspaceId,
        outcome,
        durationMs: elapsedMs(began),
      },
      'navigation job done',
    );
    // Its first part claimed as it was queued (the contact had nothing else queued) goes out first.
    this.scheduler.kick(
      { workspaceId: navigation.workspaceId, channelId: navigation.channelId, waId: navigation.contact.waId },
      queued.head,
    );
  }

  /** Contacts whose rows are overdue (the process that would have sent them stopped): drained here. */
  async sweep(): Promise<void> {
    for (const recipient of await this.lane.overdue()) this.scheduler.kick(recipient);
  }

  /** Stops taking jobs; those in flight finish within the budget, or another replica takes them over. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.lane.stopping = true;
    this.sweeper.stop();
    const budget = consumerShutdownBudgetMs(this.redis, this.config.SHUTDOWN_TIMEOUT_MS);
    const closed = await settleWithin(
      Promise.all([...this.workers.map((w) => w.close()), this.scheduler.stop()]),
      budget,
    );
    if (!closed)
      this.logger.warn({ budgetMs: budget }, 'sends still running at shutdown are left to other replicas');
  }
}
