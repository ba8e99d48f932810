import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** What a Redis holding queues must keep: every key (no eviction), and a copy on disk (AOF or RDB snapshots). */
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
  if (!redis.aofEnabled && redis.savePoints !== null && redis.savePoints.trim() === '')
    problems.push(
      'Redis keeps nothing on disk (appendonly no, no save points): a restart loses every queued job. ' +
        'Set appendonly yes (and appendfsync everysec), or at least RDB save points.',
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
 * development and tests it is a warning. A Redis that cannot be reached is left to the health checks.
 */
export async function checkRedisDurability(
  redis: Redis,
  nodeEnv: string,
  logger = new Logger('Redis'),
): Promise<void> {
  let problems: string[];
  try {
    if (redis.status !== 'ready')
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('Redis not ready within 5 s')), 5000);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    problems = durabilityProblems(await readDurability(redis));
  } catch (err) {
    logger.warn({ err }, 'could not read the Redis settings; durability not checked');
    return;
  }
  if (problems.length === 0) return;
  if (nodeEnv === 'production') throw new RedisDurabilityError(problems);
  for (const problem of problems) logger.warn(`${problem} (refused when NODE_ENV=production)`);
}
