import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** What a Redis holding queues must keep: every key (no eviction), and an append-only file on disk. */
export interface RedisDurability {
  maxmemoryPolicy: string;
  aofEnabled: boolean;
  /** RDB save points ("3600 1 300 100"), empty when snapshots are off; null when CONFIG is not allowed. */
  savePoints: string | null;
}

/** The problems of a Redis for BullMQ, each saying what to set; empty when it will keep the queues. */
export function durabilityProblems(redis: RedisDurability): string[] {
  const problems: string[] = [];
  if (redis.maxmemoryPolicy !== 'noeviction')
    problems.push(
      `Redis evicts keys (maxmemory-policy ${redis.maxmemoryPolicy}): queued jobs would be lost under memory ` +
        'pressure. Set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction).',
    );
  if (redis.aofEnabled) return problems;
  if (redis.savePoints !== null && redis.savePoints.trim() === '')
    problems.push(
      'Redis keeps nothing on disk (appendonly no, no save points): a restart loses every queued job. ' +
        'Set appendonly yes (and appendfsync everysec).',
    );
  else
    problems.push(
      `Redis keeps only RDB snapshots (appendonly no${redis.savePoints ? `, save ${redis.savePoints}` : ''}): a ` +
        'crash loses every job acknowledged since the last snapshot, minutes of them, more than the services ' +
        'replay from Postgres. Set appendonly yes (and appendfsync everysec).',
    );
  return problems;
}

/** Reads the settings with INFO (always allowed) and CONFIG GET save (managed Redis may refuse it). */
export async function readDurability(redis: Redis): Promise<RedisDurability> {
  const info = await redis.info();
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  let savePoints: string | null = null;
  try {
    const [, value] = (await redis.config('GET', 'save')) as [string, string];
    savePoints = value ?? '';
  } catch {
    savePoints = null;
  }
  return {
    maxmemoryPolicy: field('maxmemory_policy') ?? 'unknown',
    aofEnabled: field('aof_enabled') === '1',
    savePoints,
  };
}

export class RedisDurabilityError extends Error {
  constructor(readonly problems: string[]) {
    super(`Refusing to start in production with this Redis:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RedisDurabilityError';
  }
}

/**
 * At start-up: in production a Redis that would lose queued jobs stops the process with what to set; in
 * development and tests it is a warning. A Redis that cannot be reached yet is checked when it comes: in
 * production `refused` is called then (the service stops), since it must not run on such a Redis either.
 */
export async function checkRedisDurability(
  redis: Redis,
  nodeEnv: string,
  {
    logger = new Logger('Redis'),
    refused = (error: RedisDurabilityError) => logger.error(error.message),
    readyWithinMs = 5000,
  }: {
    logger?: Logger;
    /** Called when a Redis that was down at start-up turns out to lose jobs (production only). */
    refused?: (error: RedisDurabilityError) => void;
    readyWithinMs?: number;
  } = {},
): Promise<void> {
  const judge = async (): Promise<RedisDurabilityError | null> => {
    const problems = durabilityProblems(await readDurability(redis));
    if (problems.length === 0) return null;
    if (nodeEnv === 'production') return new RedisDurabilityError(problems);
    for (const problem of problems) logger.warn(`${problem} (refused when NODE_ENV=production)`);
    return null;
  };
  const ready = redis.status === 'ready' || (await readyWithin(redis, readyWithinMs));
  if (!ready) {
    logger.warn('Redis is not reachable yet; its durability is checked once it is');
    redis.once('ready', () => {
      judge().then(
        (error) => error && refused(error),
        (err: unknown) => logger.warn({ err }, 'could not read the Redis settings; durability not checked'),
      );
    });
    return;
  }
  let error: RedisDurabilityError | null;
  try {
    error = await judge();
  } catch (err) {
    logger.warn({ err }, 'could not read the Redis settings; durability not checked');
    return;
  }
  if (error) throw error;
}

function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, ms);
    redis.once('ready', onReady);
  });
}
