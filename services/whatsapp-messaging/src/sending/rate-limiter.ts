import { REDIS } from '@flowbridge/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';

/**
 * GCRA in one script: each call takes the channel's next free slot, one every 1/rate s, and answers how long
 * to wait for it (µs). Redis's clock is the only clock, so every replica shares one schedule per channel.
 */
const RESERVE_SLOT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return tat - now
`;

type SlotClient = Redis & { reserveSendSlot(key: string, intervalMicros: number): Promise<number> };

/** Keeps each channel under its messages-per-second, across every replica of the messaging service. */
@Injectable()
export class SendRateLimiter {
  private readonly redis: SlotClient;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: WhatsappMessagingConfig,
  ) {
    if (!('reserveSendSlot' in redis))
      redis.defineCommand('reserveSendSlot', { numberOfKeys: 1, lua: RESERVE_SLOT });
    this.redis = redis as SlotClient;
  }

  /** Waits until this send may go: sends of one channel are spaced 1/messagesPerSecond apart. */
  async acquire(channelId: string, messagesPerSecond: number): Promise<void> {
    const interval = Math.ceil(1_000_000 / messagesPerSecond);
    const waitMicros = await this.redis.reserveSendSlot(
      `${this.config.QUEUE_PREFIX}:send-rate:${channelId}`,
      interval,
    );
    if (waitMicros > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMicros / 1000)));
  }
}
