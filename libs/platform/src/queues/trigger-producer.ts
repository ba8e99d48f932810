import { TriggerJobName, contactPartition, triggerQueue, type TriggerEventV1 } from '@flowbridge/contracts';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { internalKeyOf, PlatformConfig } from '../config';
import { JobAuth } from './job-auth';
import { ProducerQueues } from './producer-queues';

/** Keeps a finished job (and so its id, which dedupes a repeated event) for this long. */
const KEEP_COMPLETED_S = 24 * 3600;
const KEEP_FAILED_S = 7 * 24 * 3600;

/** Events per round trip of enqueueAll. */
const ENQUEUE_CHUNK = 500;

/**
 * Puts trigger events on the contact's partition of the trigger queues. The event id is the job id, so
 * the same event added twice (a retried request) is one job. While Redis is down `enqueue` fails at once
 * (no offline queue), so the caller can answer 503 instead of hanging.
 */
@Injectable()
export class TriggerProducer implements OnApplicationShutdown {
  private readonly queues: ProducerQueues;
  private readonly auth: JobAuth;

  constructor(private readonly config: PlatformConfig) {
    this.auth = new JobAuth(internalKeyOf(config));
    this.queues = new ProducerQueues(config.REDIS_URL, config.QUEUE_PREFIX, 'flowbridge-trigger-producer');
  }

  async enqueue(event: TriggerEventV1): Promise<void> {
    await this.enqueueAll([event]);
  }

  /**
   * Many events at once: one round trip per partition for each 500 of them, each partition's events in the
   * order given (a replay of thousands goes out in bounded round trips).
   */
  async enqueueAll(events: TriggerEventV1[]): Promise<void> {
    for (let i = 0; i < events.length; i += ENQUEUE_CHUNK)
      await this.enqueueChunk(events.slice(i, i + ENQUEUE_CHUNK));
  }

  private async enqueueChunk(events: TriggerEventV1[]): Promise<void> {
    const byPartition = new Map<number, TriggerEventV1[]>();
    for (const event of events) {
      const contact = {
        workspaceId: event.workspaceId,
        channelId: event.channelId,
        waId: event.contact.waId,
      };
      const p = contactPartition(contact, this.config.TRIGGER_PARTITIONS);
      const batch = byPartition.get(p);
      if (batch) batch.push(event);
      else byPartition.set(p, [event]);
    }
    await this.queues.ready();
    await Promise.all(
      [...byPartition].map(([p, batch]) =>
        this.queues.addInOrder(
          triggerQueue(p),
          batch.map((event) => ({
            name: TriggerJobName.TriggerEvent,
            data: this.auth.sign(triggerQueue(p), TriggerJobName.TriggerEvent, event.eventId, event),
            opts: jobOptions(event, this.config.QUEUE_KEEP_COMPLETED),
          })),
        ),
      ),
    );
  }

  /** For tests and operations: the job an event became, if it is still kept. */
  async find(eventId: string): Promise<TriggerEventV1 | null> {
    return ((await this.job(eventId))?.data as TriggerEventV1 | undefined) ?? null;
  }

  /** The BullMQ job of an event, if it is still kept. */
  async job(eventId: string): Promise<Job | null> {
    for (let p = 0; p < this.config.TRIGGER_PARTITIONS; p++) {
      const job = await this.queue(p).getJob(eventId);
      if (job) return job;
    }
    return null;
  }

  private queue(partition: number): Queue {
    return this.queues.get(triggerQueue(partition));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
  }
}

function jobOptions(event: TriggerEventV1, keepCompleted: number) {
  return {
    jobId: event.eventId,
    // A worker that could not apply it (a service it asks did not answer) tries again; meanwhile the
    // event waits in the contact's inbox, so the contact's later events do not overtake it.
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: KEEP_COMPLETED_S, count: keepCompleted },
    removeOnFail: { age: KEEP_FAILED_S },
  };
}
