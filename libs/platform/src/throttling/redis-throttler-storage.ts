import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

/** A fixed window per key on Redis's clock: every replica counts into the same window. */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}
`;

type HitClient = Redis & {
  throttleHit(counter: string, ttlMs: number): Promise<number[]>;
};

/**
 * @nestjs/throttler's counters in Redis instead of each process's memory: a key's limit holds across every
 * replica of a service. While Redis is out of reach the request goes through (a limiter must not take the
 * admin API down with it); the outage is logged.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: HitClient;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('throttleHit' in redis)) redis.defineCommand('throttleHit', { numberOfKeys: 1, lua: HIT });
    this.redis = redis as HitClient;
  }

  /** Over the limit, a key waits for the end of its window (Retry-After), whatever `blockDuration` says. */
  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string) {
    try {
      const [hits, ttlMs] = await this.redis.throttleHit(
        `${this.prefix}:throttle:${throttlerName}:${key}`,
        ttl,
      );
      const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
      return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: seconds };
    } catch (err) {
      this.logger.warn({ err }, 'rate limit not checked: Redis out of reach');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
