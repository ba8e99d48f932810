import {
  ApiCallJobName,
  FormExchangeJobName,
  QueueName,
  readApiCallJob,
  readFormExchangeJob,
  readTriggerEvent,
  triggerQueue,
  TriggerJobName,
} from '@flowbridge/contracts';
import {
  internalKeyOf,
  elapsedMs,
  isUnavailableError,
  JobAuth,
  limitGlobalConcurrency,
  noUseCaseFor,
  REDIS,
  consumerConnection,
  consumerShutdownBudgetMs,
  settleWithin,
  UnavailabilityParking,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { RpcUnavailableError } from '../clients/rpc.clients';
import { FormExchanges } from '../forms/form-exchanges';
import { WorkerConfig } from '../worker.config';
import { AbandonedSteps } from './abandoned-steps';
import { ApiSteps } from './api-steps';
import { ContactDrainer } from './contact-drainer';
import { InlineAttempts } from './inline-attempts';
import { queueWait, triggerEvents } from './worker-metrics';

/** The worker's consumers: trigger events in, API attempts (with durable retries), WhatsApp Flows screen requests. */
@Injectable()
export class Processors implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Processors.name);
  private readonly workers: Worker[] = [];
  private stopping = false;
  private readonly auth: JobAuth;
  /** Postgres, Redis or a service down: the job waits for it, however long, without spending its attempts. */
  private readonly parking = new UnavailabilityParking(
    1000,
    (error) => isUnavailableError(error) || error instanceof RpcUnavailableError,
  );

  constructor(
    private readonly config: WorkerConfig,
    private readonly drainer: ContactDrainer,
    private readonly apiSteps: ApiSteps,
    private readonly abandoned: AbandonedSteps,
    private readonly forms: FormExchanges,
    private readonly inline: InlineAttempts,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
  }

  onApplicationBootstrap(): void {
    const connection = consumerConnection(this.config.REDIS_URL);
    // Started below, once the listeners are on: connection errors come before the first await.
    const common = {
      prefix: this.config.QUEUE_PREFIX,
      connection,
      autorun: false,
      lockDuration: this.config.WORKER_LOCK_DURATION_MS,
      stalledInterval: this.config.WORKER_LOCK_DURATION_MS,
    };
    for (let p = 0; p < this.config.TRIGGER_PARTITIONS; p++) {
      const name = triggerQueue(p);
      // One job at a time per partition, across every worker process: a contact's events stay in order.
      this.workers.push(
        new Worker(name, (job, token) => this.onTriggerJob(job, token), { ...common, concurrency: 1 }),
      );
      void limitGlobalConcurrency(name, {
        prefix: this.config.QUEUE_PREFIX,
        redisUrl: this.config.REDIS_URL,
        concurrency: 1,
        stopped: () => this.stopping,
      });
    }
    this.workers.push(
      new Worker(QueueName.FlowApiCalls, (job, token) => this.onApiCallJob(job, token), {
        ...common,
        concurrency: this.config.WORKER_CONCURRENCY,
        // The step counts its stalls itself (apiCall): BullMQ would fail the job at its second stall without
        // telling a dead process from one that only lost its lock (and still records the answer).
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      }),
    );
    // A person waits on each of these: their own queue, so no chat backlog is ahead of them.
    this.workers.push(
      new Worker(QueueName.FormExchanges, (job) => this.onFormExchangeJob(job), {
        ...common,
        concurrency: this.config.FORM_EXCHANGE_CONCURRENCY,
      }),
    );
    for (const worker of this.workers) {
      worker.on('failed', (job, err) =>
        this.logger.warn(
          { err, jobId: job?.id, queue: worker.name, attempt: job?.attemptsMade },
          'job failed',
        ),
      );
      // Connection errors repeat on every reconnect; the platform's Redis client already reports outages.
      worker.on('error', (err) => this.logger.debug({ err, queue: worker.name }, 'queue connection error'));
      worker
        .run()
        .catch((err: unknown) => this.logger.error({ err, queue: worker.name }, 'queue consumer stopped'));
    }
  }

  /** A trigger partition's job, by name, to its use-case. */
  onTriggerJob(job: Job, token?: string): Promise<void> {
    const name = this.authentic<TriggerJobName>(job, Object.values(TriggerJobName));
    switch (name) {
      case TriggerJobName.TriggerEvent:
        return this.applyTrigger(job, token);
      default:
        return noUseCaseFor(name);
    }
  }

  /** An API-call job, by name, to its use-case. */
  onApiCallJob(job: Job, token?: string): Promise<void> {
    const name = this.authentic<typeof ApiCallJobName>(job, [ApiCallJobName]);
    switch (name) {
      case ApiCallJobName:
        return this.apiCall(job, token);
      default:
        return noUseCaseFor(name);
    }
  }

  /** A WhatsApp Flows screen request, by name, to its use-case. */
  onFormExchangeJob(job: Job): Promise<void> {
    const name = this.authentic<typeof FormExchangeJobName>(job, [FormExchangeJobName]);
    switch (name) {
      case FormExchangeJobName:
        return this.formExchange(job);
      default:
        return noUseCaseFor(name);
    }
  }

  /** Not parked when something is down: the person is answered within the deadline, whatever happens. */
  private async formExchange(job: Job): Promise<void> {
    observeWait(job);
    const data = readFormExchangeJob(job.data);
    if (typeof data === 'string') {
      this.logger.error({ jobId: job.id, reason: data }, 'form exchange job refused');
      throw new UnrecoverableError(`invalid form exchange job: ${data}`);
    }
    await this.forms.exchange(data);
  }

  private async applyTrigger(job: Job, token?: string): Promise<void> {
    observeWait(job);
    const event = readTriggerEvent(job.data);
    if (typeof event === 'string') {
      triggerEvents.inc({ source: 'unknown', outcome: 'refused' });
      this.logger.error({ jobId: job.id, reason: event }, 'trigger event refused');
      throw new UnrecoverableError(`invalid trigger event: ${event}`);
    }
    const contact = { workspaceId: event.workspaceId, channelId: event.channelId, waId: event.contact.waId };
    const began = performance.now();
    const fresh = await this.parking.run(job, token, () =>
      this.drainer.handle(event.eventId, contact, event.occurredAt, { kind: 'trigger', event }),
    );
    const outcome = fresh ? 'applied' : 'duplicate';
    triggerEvents.inc({ source: event.source.type, outcome });
    this.logger.log(
      {
        jobId: job.id,
        eventId: event.eventId,
        workspaceId: event.workspaceId,
        source: event.source.type,
        outcome,
        durationMs: elapsedMs(began),
      },
      'trigger event done',
    );
  }

  /** Only the services queue work for the worker: anything else (added by hand, by a Redis client) is refused. */
  private authentic<Name extends string>(job: Job, names: Name[]): Name {
    const refusal = this.auth.check(job, names);
    if (!refusal) return job.name as Name;
    this.logger.error({ jobId: job.id, queue: job.queueName, name: job.name, refusal }, 'job refused');
    throw new UnrecoverableError(`job refused: ${refusal}`);
  }

  /**
   * One attempt of an API step (ApiSteps.attempt). A step whose processes stopped twice during it (an attempt
   * first run in-process whose lease ran out, then its job stalled; or a job that stalled twice) is abandoned
   * unless an answer comes from a process that was only cut off (AbandonedSteps.unlessAnswered).
   */
  private async apiCall(job: Job, token?: string): Promise<void> {
    observeWait(job);
    const data = readApiCallJob(job.data);
    if (typeof data === 'string') {
      this.logger.error({ jobId: job.id, reason: data }, 'API call job refused');
      throw new UnrecoverableError(`invalid API call job: ${data}`);
    }
    const began = performance.now();
    const interruptions = (data.interrupted ?? 0) + job.stalledCounter;
    const outcome = await this.parking.run(job, token, () =>
      interruptions > 1
        ? this.abandoned.unlessAnswered(data, job, token)
        : this.apiSteps.attempt(data).then(() => 'attempted' as const),
    );
    this.logger.log(
      {
        jobId: job.id,
        runId: data.runId,
        workspaceId: data.contact.workspaceId,
        apiId: data.apiId,
        outcome,
        durationMs: elapsedMs(began),
      },
      'API call job done',
    );
  }

  /**
   * Stops taking jobs and lets those in flight finish (an API attempt ends within its own timeout); what
   * is left when the budget runs out stays in Redis and another worker takes it (BullMQ's stalled check).
   * With Redis unreachable there is nothing to hand back, so nothing is waited for.
   */
  // Before the database and Redis clients close (their hooks run later): in-flight jobs still need them.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const budget = consumerShutdownBudgetMs(this.redis, this.config.SHUTDOWN_TIMEOUT_MS);
    const closed = await settleWithin(
      Promise.all([
        ...this.workers.map((w) => w.close()),
        // API attempts run in-process after their decision: finished, or left to their lease.
        this.inline.settle(),
      ]),
      budget,
    );
    if (!closed)
      this.logger.warn({ budgetMs: budget }, 'jobs still running at shutdown are left to other workers');
  }
}

/** How long a job waited once it was due: taken minus queued, minus its delay for a scheduled retry. */
function observeWait(job: Job): void {
  const due = job.timestamp + (job.delay ?? 0);
  if (job.processedOn) queueWait.observe({ queue: job.queueName }, Math.max(0, job.processedOn - due) / 1000);
}
