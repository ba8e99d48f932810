import type { Redis } from 'ioredis';

/**
 * GCRA (the generic cell rate algorithm) in one script, on Redis's clock, so every process (whatever its clock
 * skew) shares one schedule per key. A key's state is one number: the time its next slot is free. Slots are
 * 1/rate apart, with no burst: no sliding second ever holds more than rate (+1) requests.
 * KEYS[1]: the key. ARGV: interval (µs); the longest wait (µs) a caller accepts, -1 for any; how many consecutive
 * slots to take (1 unless several callers share the round trip).
 * Answers the microseconds to wait for the first slot taken (0: now; the others follow it an interval apart),
 * or, when that slot is further off than the caller accepts, minus the microseconds until it is (nothing taken).
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local longest = tonumber(ARGV[2])
local count = tonumber(ARGV[3] or '1')
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if free < now then free = now end
local wait = free - now
if longest >= 0 and wait > longest then return -math.max(1, wait) end
local taken = count * interval
redis.call('SET', KEYS[1], string.format('%d', free + taken), 'PX', math.ceil((wait + taken) / 1000) + 1000)
return wait`;

type GcraClient = Redis & {
  flowbridgeGcra(key: string, intervalMicros: number, longestMicros: number, count: number): Promise<number>;
};

/** A slot: taken (go after `waitMs`), or not (the next one is `waitMs` away: try again then). */
export interface RateSlot {
  taken: boolean;
  waitMs: number;
}

/**
 * Rates shared by every process through Redis, as evenly spaced slots: a business API connection's requests
 * per second (an attempt waits for its slot up to a bound, else is refused and retried), a WhatsApp number's
 * messages per second (each send waits for its slot). One Redis round trip per request, or per group of
 * requests that take consecutive slots together (`reserveMany`).
 *
 * Why not rate-limiter-flexible: its Redis limiter counts in fixed windows of whole seconds, so more than the
 * rate can pass in a second that straddles two windows, and a caller over the limit can only be refused, not
 * given a later slot; `npm run bench:rate-limit` measures both (docs/benchmarks.md).
 */
export class RedisRateLimiter {
  private readonly redis: GcraClient;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('flowbridgeGcra' in redis)) redis.defineCommand('flowbridgeGcra', { numberOfKeys: 1, lua: GCRA });
    this.redis = redis as GcraClient;
  }

  /** The key's next slot, if it is at most `longestWaitMs` away (any, by default). */
  async reserve(key: string, perSecond: number, longestWaitMs = -1): Promise<RateSlot> {
    const longest = longestWaitMs < 0 ? -1 : Math.round(longestWaitMs * 1000);
    const answer = Number(
      await this.redis.flowbridgeGcra(this.prefix + key, intervalOf(perSecond), longest, 1),
    );
    return answer < 0
      ? { taken: false, waitMs: Math.ceil(-answer / 1000) }
      : { taken: true, waitMs: Math.ceil(answer / 1000) };
  }

  /**
   * The key's next `count` slots, in one round trip, however far off: the milliseconds to wait for each, in
   * order (for callers that each wait for one: sends of a channel that reached the limiter together).
   */
  async reserveMany(key: string, perSecond: number, count: number): Promise<number[]> {
    const interval = intervalOf(perSecond);
    const first = Number(await this.redis.flowbridgeGcra(this.prefix + key, interval, -1, count));
    return Array.from({ length: count }, (_, i) => Math.ceil((first + i * interval) / 1000));
  }
}

/** Microseconds between two slots. */
function intervalOf(perSecond: number): number {
  return Math.max(1, Math.round(1_000_000 / perSecond));
}
