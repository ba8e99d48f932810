import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { settleWithin } from '../lifecycle';
import { redisOptionsFromUrl } from '../redis';

/**
 * Queues a process adds jobs to, opened on first use over one connection (BullMQ shares a client it is
 * given, and never closes it). The connection fails fast while Redis is down (no offline queue), so the
 * caller can answer 503 or retry instead of hanging; errors reach it through `add`, never the emitter.
 */
export class ProducerQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly connection: Redis;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    connectionName: string,
  ) {
    this.connection = new Redis({
      ...redisOptionsFromUrl(redisUrl),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName,
    });
    this.connection.on('error', () => undefined);
  }

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { prefix: this.prefix, connection: this.connection });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await settleWithin(Promise.all([...this.queues.values()].map((q) => q.close())), 3000);
    this.connection.disconnect();
  }
}
