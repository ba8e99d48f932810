import { Queue } from 'bullmq';
import { settleWithin } from '../lifecycle';
import { redisOptionsFromUrl } from '../redis';

/**
 * Sets a queue's global concurrency (kept in Redis, so it holds across every consumer process), retrying
 * while Redis is unreachable until it succeeds or `stopped()` says the process is going down. Partitioned
 * queues use 1: one job at a time per partition, so one contact's jobs run in the order they were queued.
 */
export async function limitGlobalConcurrency(
  name: string,
  options: { prefix: string; redisUrl: string; concurrency: number; stopped: () => boolean },
): Promise<void> {
  for (let delay = 500; !options.stopped(); delay = Math.min(delay * 2, 10_000)) {
    const queue = new Queue(name, {
      prefix: options.prefix,
      connection: {
        ...redisOptionsFromUrl(options.redisUrl),
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      },
    });
    queue.on('error', () => undefined);
    try {
      await queue.waitUntilReady();
      await queue.setGlobalConcurrency(options.concurrency);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, delay).unref());
    } finally {
      await settleWithin(queue.close(), 1000);
    }
  }
}
