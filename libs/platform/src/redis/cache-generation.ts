import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/**
 * Moves a cache generation on (INCR) before the change it signals is answered: readers compare it with the one
 * they cached under, so a read after the answer sees the change. Redis refusing is logged, not thrown (the
 * change is saved): readers' caches then expire on their own.
 */
export async function moveGenerationOn(
  redis: Redis,
  key: string,
  logger: Logger,
  context: Record<string, unknown> = {},
): Promise<void> {
  try {
    await redis.incr(key);
  } catch (err) {
    logger.warn({ err, key, ...context }, 'cache generation not moved on; readers catch up on expiry');
  }
}

/**
 * A generation as a reader knows it: a string (null when the key was never moved on), or undefined when it
 * cannot say (Redis down): then nothing is kept.
 */
export type Generation = string | null | undefined;

/** Sets `key` as the newest entry of `map`, dropping the oldest first when `map` holds `max` already. */
function setNewest<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

interface Entry<V> {
  generation: string | null;
  at: number;
  value: Promise<V>;
}

/**
 * Values kept in memory while the generation they were loaded under holds, and `ttlMs` at most (a Redis that
 * lost the key). Loads of one key share the one in flight; a load that fails, or whose value `keep` refuses, is
 * not kept; with the generation unknown nothing is kept. Bounded: past `max` keys the oldest goes first.
 */
export class GenerationCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly options: { max: number; ttlMs: number; keep?: (value: V) => boolean }) {}

  get(key: string, generation: Generation, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.generation === generation && Date.now() - cached.at < this.options.ttlMs)
      return cached.value;
    const value = load();
    if (generation === undefined) return value;
    const entry: Entry<V> = { generation, at: Date.now(), value };
    setNewest(this.entries, key, entry, this.options.max);
    const forget = (): void => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    const keep = this.options.keep;
    value.then((loaded) => (keep && !keep(loaded) ? forget() : undefined), forget);
    return value;
  }
}

/** Generation keys a reader remembers at most (one per workspace, say); the oldest goes first. */
const MAX_KEYS_READ = 10_000;

/**
 * Reads generations from Redis at most once per `everyMs` per key: callers in between share the last read. A
 * read Redis refuses gives undefined (so nothing is cached meanwhile) for the same `everyMs`.
 */
export class GenerationReader {
  private readonly reads = new Map<string, { at: number; value: Promise<Generation> }>();

  constructor(
    private readonly redis: Redis,
    private readonly everyMs: number,
  ) {}

  read(key: string): Promise<Generation> {
    const known = this.reads.get(key);
    if (known && Date.now() - known.at < this.everyMs) return known.value;
    const value = this.redis.get(key).catch(() => undefined);
    setNewest(this.reads, key, { at: Date.now(), value }, MAX_KEYS_READ);
    return value;
  }
}
