import { randomUUID } from 'node:crypto';
import { testRedisUrl } from '@flowbridge/testing';
import { Redis } from 'ioredis';
import type { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { SendRateLimiter } from './rate-limiter';

describe('SendRateLimiter (real Redis)', () => {
  const prefix = `fbtest-${randomUUID().slice(0, 8)}`;
  let redis: Redis;
  let limiter: SendRateLimiter;
  /** The limiter's script calls (one per round trip it makes). */
  let scriptCalls = 0;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    const send = redis.sendCommand.bind(redis);
    jest.spyOn(redis, 'sendCommand').mockImplementation((command, stream) => {
      if (command.name === 'evalsha' || command.name === 'eval') scriptCalls++;
      return send(command, stream);
    });
    limiter = new SendRateLimiter(redis, { QUEUE_PREFIX: prefix } as WhatsappMessagingConfig);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('spaces the sends of a channel 1/rate apart, those that ask together taking their slots in one round trip', async () => {
    await limiter.acquire('warm-up', 1000); // the script loaded: each round trip is one call from now on
    scriptCalls = 0;
    const began = Date.now();
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limiter.acquire('channel-a', 20).then(() => done.push(Date.now() - began)),
      ),
    );
    // The first goes at once, alone; the five that asked while its slot was being taken share the next trip.
    expect(scriptCalls).toBe(2);
    done.sort((a, b) => a - b);
    // Six slots 50 ms apart from when the first was taken (timers fire late, never early).
    done.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(i * 50 - 1));
  });

  it('keeps channels apart: another channel is not held behind this one', async () => {
    await limiter.acquire('channel-b', 1); // its next slot is a second away
    const began = Date.now();
    await limiter.acquire('channel-c', 1);
    expect(Date.now() - began).toBeLessThan(500);
  });
});
