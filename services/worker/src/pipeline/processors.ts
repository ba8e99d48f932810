import {
  type JsonValue,
  jobIdOf,
  OutboundErrorCode,
  QueueName,
  triggerQueue,
  TriggerJobName,
  type ApiResponse,
} from '@flowbridge/contracts';
import { RequestEngine } from '@flowbridge/outbound';
import {
  internalKeyOf,
  JobAuth,
  limitGlobalConcurrency,
  REDIS,
  redisOptionsFromUrl,
  settleWithin,
  Tenancy,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { runStateOf } from '../runs/run.entity';
import { runById } from '../runs/run-rows';
import { WorkerConfig } from '../worker.config';
import { ContactDrainer } from './contact-drainer';
import { ApiCallJobName, type ApiCallJob, readTriggerEvent } from './jobs';
import { Outbox } from './outbox.service';
import { abandonedSteps, apiCallDuration, apiRetries, queueWait, triggerEvents } from './worker-metrics';

/** The worker's two consumers: trigger events in, API attempts (with durable retries). */
@Injectable()
export class Processors implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Processors.name);
  private readonly workers: Worker[] = [];
  private apiCallEvents?: QueueEvents;
  private stopping = false;
  private readonly auth: JobAuth;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: WorkerConfig,
    private readonly drainer: ContactDrainer,
    private readonly engine: RequestEngine,
    private readonly rpc: RpcClients,
    private readonly outbox: Outbox,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
  }

  onApplicationBootstrap(): void {
    const connection = { ...redisOptionsFromUrl(this.config.REDIS_URL), maxRetriesPerRequest: null };
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
      this.workers.push(new Worker(name, (job) => this.trigger(job), { ...common, concurrency: 1 }));
      void limitGlobalConcurrency(name, {
        prefix: this.config.QUEUE_PREFIX,
        redisUrl: this.config.REDIS_URL,
        concurrency: 1,
        stopped: () => this.stopping,
      });
    }
    this.workers.push(
      new Worker(QueueName.FlowApiCalls, (job) => this.apiCall(job as Job<ApiCallJob>), {
        ...common,
        concurrency: this.config.WORKER_CONCURRENCY,
      }),
    );
    this.watchAbandonedSteps(connection);
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

  async trigger(job: Job): Promise<void> {
    this.authentic(job, TriggerJobName.TriggerEvent);
    observeWait(job);
    const event = readTriggerEvent(job.data);
    if (typeof event === 'string') {
      triggerEvents.inc({ source: 'unknown', outcome: 'refused' });
      this.logger.error({ jobId: job.id, reason: event }, 'trigger event refused');
      throw new UnrecoverableError(`invalid trigger event: ${event}`);
    }
    const contact = { workspaceId: event.workspaceId, channelId: event.channelId, waId: event.contact.waId };
    const fresh = await this.drainer.handle(event.eventId, contact, event.occurredAt, {
      kind: 'trigger',
      event,
    });
    triggerEvents.inc({ source: event.source.type, outcome: fresh ? 'applied' : 'duplicate' });
  }

  /** Only the services queue work for the worker: anything else (added by hand, by a Redis client) is refused. */
  private authentic(job: Job, name: string): void {
    const refusal = this.auth.check(job, [name]);
    if (!refusal) return;
    this.logger.error({ jobId: job.id, queue: job.queueName, name: job.name, refusal }, 'job refused');
    throw new UnrecoverableError(`job refused: ${refusal}`);
  }

  /** One attempt. A retry is a new delayed job (it survives a restart); the last result goes to the run. */
  async apiCall(job: Job<ApiCallJob>): Promise<void> {
    this.authentic(job, ApiCallJobName);
    observeWait(job);
    const call = job.data;
    // In the contact's workspace: the run, its log and its retry are rows of that workspace only.
    await Tenancy.forWorkspace(call.contact.workspaceId, () => this.attempt(call));
  }

  private async attempt(call: ApiCallJob): Promise<void> {
    const run = await runById(this.db.manager, call.runId);
    if (!run || runStateOf(run).pendingApi?.key !== call.key) return; // the run moved on: nothing to do
    const resolved = await this.rpc.resolveApi(call.contact.workspaceId, call.apiId);
    let response: ApiResponse;
    let mapped: Record<string, JsonValue> = {};
    if (!resolved.ok) {
      response = failedWithoutAnswer(OutboundErrorCode.ApiNotFound, resolved.message, call);
    } else {
      const began = performance.now();
      const result = await this.engine.attempt({
        connection: resolved.connection,
        api: resolved.api,
        variables: runStateOf(run).variables,
        idempotencyKey: call.key,
        attempt: call.attempt,
        countedAttempts: call.countedAttempts,
        startedAt: call.startedAt,
      });
      await this.db.query(
        `INSERT INTO worker.call_log (run_id, workspace_id, step_key, attempt, api_id, flow_id, flow_version, entry)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          run.id,
          run.workspaceId,
          call.key,
          call.attempt,
          call.apiId,
          run.flowId,
          run.flowVersion,
          JSON.stringify(result.log),
        ],
      );
      apiCallDuration.observe(
        {
          connection: resolved.connection.id,
          outcome: result.retry ? 'retry' : result.response.status,
        },
        (performance.now() - began) / 1000,
      );
      if (result.retry) {
        apiRetries.inc({ connection: resolved.connection.id });
        const next: ApiCallJob = {
          ...call,
          attempt: call.attempt + 1,
          countedAttempts: call.countedAttempts + (result.retry.counted ? 1 : 0),
        };
        // Through the outbox like every job the worker decides: kept in Postgres, so a Redis that loses it
        // (a host crash) gets it again from the outbox's re-send.
        const retry = {
          queue: QueueName.FlowApiCalls,
          name: ApiCallJobName,
          jobId: jobIdOf('api', call.key, next.attempt),
          payload: next,
          delayMs: result.retry.afterMs,
        };
        await this.db.transaction((tx) => this.outbox.record(tx, call.contact, [retry]));
        await this.outbox.flush(call.contact);
        return;
      }
      response = result.response;
      mapped = result.variables;
    }
    await this.applyResult(call, response, mapped);
  }

  /** The step's final result, into the contact's inbox under one id per step: applied once, however often sent. */
  private applyResult(
    call: ApiCallJob,
    response: ApiResponse,
    mapped: Record<string, JsonValue>,
  ): Promise<boolean> {
    return this.drainer.handle(jobIdOf('result', call.key), call.contact, new Date().toISOString(), {
      kind: 'api_result',
      runId: call.runId,
      key: call.key,
      response,
      mapped,
    });
  }

  /**
   * An API attempt whose job failed for good (BullMQ's stalled limit: its workers died twice during it; or
   * its own retries spent) would leave the run waiting for an answer that never comes. Its step ends as a
   * failure instead, so the contact gets the failure screen. BullMQ reports such a failure on the queue's
   * event stream only (the Worker does not emit it); every worker hears it, and the inbox takes it once.
   */
  private watchAbandonedSteps(connection: object): void {
    const events = new QueueEvents(QueueName.FlowApiCalls, { prefix: this.config.QUEUE_PREFIX, connection });
    events.on('error', (err) => this.logger.debug({ err }, 'queue events connection error'));
    events.on('failed', ({ jobId, failedReason }) => {
      void this.abandon(jobId, failedReason).catch((err: unknown) =>
        this.logger.error({ err, jobId }, 'could not end an abandoned API step; the idle sweep will'),
      );
    });
    this.apiCallEvents = events;
  }

  async abandon(jobId: string, reason: string): Promise<void> {
    const job = await this.outbox.queue(QueueName.FlowApiCalls).getJob(jobId);
    if (!job || job.name !== ApiCallJobName || !(await job.isFailed())) return;
    const call = job.data as ApiCallJob;
    const response = failedWithoutAnswer(
      OutboundErrorCode.StepAbandoned,
      `The API step was abandoned: ${reason}`,
      call,
    );
    const fresh = await this.applyResult(call, response, {});
    if (!fresh) return;
    abandonedSteps.inc({ reason: /stalled/i.test(reason) ? 'stalled' : 'failed' });
    this.logger.error(
      { jobId, runId: call.runId, reason },
      'API step abandoned (its job failed for good); the run takes its failure screen',
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
    const budget = this.redis.status === 'ready' ? this.config.SHUTDOWN_TIMEOUT_MS - 2000 : 0;
    const closed = await settleWithin(
      Promise.all([...this.workers.map((w) => w.close()), this.apiCallEvents?.close()]),
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

/**
 * A step that ends without an answer from the API: its API or connection is gone (API_NOT_FOUND), or its job
 * was abandoned (STEP_ABANDONED). The run takes its failure screen.
 */
function failedWithoutAnswer(code: OutboundErrorCode, message: string, call: ApiCallJob): ApiResponse {
  return {
    status: 'failure',
    statusCode: null,
    data: null,
    headers: {},
    error: { code, message },
    attempts: call.attempt,
    durationMs: Date.now() - call.startedAt,
    truncated: false,
  };
}
