import { randomUUID } from 'node:crypto';
import { testRedisUrl } from '@flowbridge/testing';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from './rate-limit';

describe('RedisRateLimiter (real Redis)', () => {
  const prefix = `fbtest-${randomUUID().slice(0, 8)}:rate:`;
  let redis: Redis;
  let limiter: RedisRateLimiter;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    limiter = new RedisRateLimiter(redis, prefix);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  // Each wait is measured on Redis's clock from the call that took it: a slot an interval after one taken
  // `elapsed` ms earlier is `interval - elapsed` away (the test's own clock bounds `elapsed` from above).
  it('gives consecutive slots one interval apart, the first now', async () => {
    const began = Date.now();
    const first = await limiter.reserve('one', 10);
    const second = await limiter.reserve('one', 10);
    const elapsed = Date.now() - began;
    expect(first).toEqual({ taken: true, waitMs: 0 });
    expect(second.taken).toBe(true);
    expect(second.waitMs).toBeGreaterThanOrEqual(100 - elapsed);
    expect(second.waitMs).toBeLessThanOrEqual(100);
  });

  it('refuses a slot further off than the caller accepts, and takes nothing', async () => {
    const began = Date.now();
    await limiter.reserve('bounded', 2); // now; the next is 500 ms off
    const refused = await limiter.reserve('bounded', 2, 100);
    const elapsed = Date.now() - began;
    expect(refused).toEqual({ taken: false, waitMs: expect.any(Number) });
    expect(refused.waitMs).toBeGreaterThanOrEqual(500 - elapsed);
    // Nothing was taken: the next slot is still the one refused, not one after it.
    const next = await limiter.reserve('bounded', 2);
    expect(next.taken).toBe(true);
    expect(next.waitMs).toBeLessThanOrEqual(refused.waitMs);
  });

  it('takes several slots in one round trip, spaced as if taken one by one, and the next caller after them', async () => {
    const began = Date.now();
    const waits = await limiter.reserveMany('many', 20, 4);
    const after = await limiter.reserve('many', 20);
    const elapsed = Date.now() - began;
    expect(waits).toHaveLength(4);
    expect(waits[0]).toBe(0);
    expect(waits.slice(1).map((w, i) => w - waits[i])).toEqual([50, 50, 50]);
    // Four slots were taken: the next is 200 ms after the first, not 50.
    expect(after.waitMs).toBeGreaterThanOrEqual(200 - elapsed);
    expect(after.waitMs).toBeLessThanOrEqual(200);
  });
});
