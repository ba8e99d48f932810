import { navigationQueue, type NavigationEventV1 } from '@flowbridge/contracts';
import { type JobType, Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** Every `flow-navigation.<k>` partition of one queue prefix, read together (tests look at what the worker emitted). */
export class NavigationQueues {
  private readonly connection: Redis;
  readonly queues: Queue[];

  constructor(redisUrl: string, prefix: string, partitions = 16) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.queues = Array.from(
      { length: partitions },
      (_, p) => new Queue(navigationQueue(p), { prefix, connection: this.connection }),
    );
  }

  async events(
    states: JobType[] = ['waiting', 'delayed', 'active', 'completed', 'failed'],
  ): Promise<NavigationEventV1[]> {
    const lists = await Promise.all(this.queues.map((q) => q.getJobs(states, 0, 1_000_000, true)));
    return lists.flat().map((j) => j.data as NavigationEventV1);
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(this.queues.map((q) => q.close()));
    this.connection.disconnect();
  }
}
