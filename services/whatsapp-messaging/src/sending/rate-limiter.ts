import { REDIS, RedisRateLimiter } from '@flowbridge/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';

/**
 * Keeps each channel under its messages-per-second, across every replica of the messaging service: each send
 * takes the channel's next free slot (one every 1/rate s, on Redis's clock) and waits for it.
 */
@Injectable()
export class SendRateLimiter {
  private readonly limiter: RedisRateLimiter;

  constructor(@Inject(REDIS) redis: Redis, config: WhatsappMessagingConfig) {
    this.limiter = new RedisRateLimiter(redis, `${config.QUEUE_PREFIX}:send-rate:`);
  }

  /** Waits until this send may go: sends of one channel are spaced 1/messagesPerSecond apart. */
  async acquire(channelId: string, messagesPerSecond: number): Promise<void> {
    const { waitMs } = await this.limiter.reserve(channelId, messagesPerSecond);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
