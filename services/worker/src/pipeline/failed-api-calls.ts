import { ApiCallJobName, QueueName, readApiCallJob } from '@flowbridge/contracts';
import {
  internalKeyOf,
  JobAuth,
  REDIS,
  consumerConnection,
  consumerShutdownBudgetMs,
  settleWithin,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkerConfig } from '../worker.config';
import { AbandonedSteps } from './abandoned-steps';
import { Outbox } from './outbox.service';

/**
 * An API attempt whose job failed for good (its own retries spent, or refused) would leave the run waiting
 * for an answer that never comes. Its step ends as a failure instead, so the contact gets the failure screen.
 * BullMQ reports such a failure on the queue's event stream only (the Worker does not emit it); every worker
 * hears it, and the inbox takes it once. (A job's stalls do not fail it here: Processors counts them.)
 */
@Injectable()
export class FailedApiCalls implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FailedApiCalls.name);
  private events?: QueueEvents;
  private readonly auth: JobAuth;

  constructor(
    private readonly config: WorkerConfig,
    private readonly outbox: Outbox,
    private readonly abandoned: AbandonedSteps,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.auth = new JobAuth(internalKeyOf(config));
  }

  onApplicationBootstrap(): void {
    const connection = consumerConnection(this.config.REDIS_URL);
    const events = new QueueEvents(QueueName.FlowApiCalls, { prefix: this.config.QUEUE_PREFIX, connection });
    events.on('error', (err) => this.logger.debug({ err }, 'queue events connection error'));
    events.on('failed', ({ jobId, failedReason }) => {
      void this.abandon(jobId, failedReason).catch((err: unknown) =>
        this.logger.error({ err, jobId }, 'could not end an abandoned API step; the idle sweep will'),
      );
    });
    this.events = events;
  }

  /**
   * Only a job a Flowbridge service queued, with a valid payload: one refused for its signature or its payload
   * names a run and a step nobody vouched for, and must not end them.
   */
  async abandon(jobId: string, reason: string): Promise<void> {
    const job = await this.outbox.queue(QueueName.FlowApiCalls).getJob(jobId);
    if (!job || !this.auth.authentic(job, [ApiCallJobName]) || !(await job.isFailed())) return;
    const call = readApiCallJob(job.data);
    if (typeof call !== 'string') await this.abandoned.abandon(call, jobId, reason);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.events) return;
    const budget = consumerShutdownBudgetMs(this.redis, this.config.SHUTDOWN_TIMEOUT_MS);
    await settleWithin(this.events.close(), budget);
  }
}
