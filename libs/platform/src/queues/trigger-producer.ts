import { QueueName, TriggerJobName, type TriggerEventV1 } from '@flowbridge/contracts';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { PlatformConfig } from '../config';
import { redisOptionsFromUrl } from '../redis';

/** Keeps a finished job (and so its id, which dedupes a repeated event) for this long. */
const KEEP_COMPLETED_S = 24 * 3600;
const KEEP_FAILED_S = 7 * 24 * 3600;

/**
 * Puts trigger events on the `flow-triggers` queue. The event id is the job id, so the same event added
 * twice (a retried request) is one job. While Redis is down `enqueue` fails at once (no offline queue), so
 * the caller can answer 503 instead of hanging.
 */
@Injectable()
export class TriggerProducer implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(config: PlatformConfig) {
    this.queue = new Queue(QueueName.FlowTriggers, {
      prefix: config.QUEUE_PREFIX,
      connection: {
        ...redisOptionsFromUrl(config.REDIS_URL),
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectionName: 'flowbridge-trigger-producer',
      },
    });
    // Errors reach the caller through enqueue(); the emitter must not crash the process meanwhile.
    this.queue.on('error', () => undefined);
  }

  async enqueue(event: TriggerEventV1): Promise<void> {
    await this.queue.add(TriggerJobName.TriggerEvent, event, {
      jobId: event.eventId,
      removeOnComplete: { age: KEEP_COMPLETED_S },
      removeOnFail: { age: KEEP_FAILED_S },
    });
  }

  /** For tests and operations: the job an event became, if it is still kept. */
  async find(eventId: string): Promise<TriggerEventV1 | null> {
    const job = await this.queue.getJob(eventId);
    return job ? (job.data as TriggerEventV1) : null;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
