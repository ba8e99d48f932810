import { GroupCommit, REDIS, RedisRateLimiter } from '@flowbridge/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';

/** Sends of one channel that take their slots in one round trip at most. */
const MAX_SLOTS_PER_ROUND_TRIP = 64;

/**
 * Keeps each channel under its messages-per-second, across every replica of the messaging service: each send
 * takes the channel's next free slot (one every 1/rate s, on Redis's clock) and waits for it. Sends of a channel
 * that ask while its previous reservation is in flight take their slots together, in one round trip (a group
 * commit, one lane per channel and rate).
 */
@Injectable()
export class SendRateLimiter {
  private readonly limiter: RedisRateLimiter;
  private readonly slots: GroupCommit<number, number>;

  constructor(@Inject(REDIS) redis: Redis, config: WhatsappMessagingConfig) {
    this.limiter = new RedisRateLimiter(redis, `${config.QUEUE_PREFIX}:send-rate:`);
    this.slots = new GroupCommit(
      (lane, rates) => this.limiter.reserveMany(lane.slice(0, lane.lastIndexOf('/')), rates[0], rates.length),
      { maxBatch: MAX_SLOTS_PER_ROUND_TRIP, writer: 'send-rate' },
    );
  }

  /** Waits until this send may go: sends of one channel are spaced 1/messagesPerSecond apart. */
  async acquire(channelId: string, messagesPerSecond: number): Promise<void> {
    const waitMs = await this.slots.submit(`${channelId}/${messagesPerSecond}`, messagesPerSecond);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
