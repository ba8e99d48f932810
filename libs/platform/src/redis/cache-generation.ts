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
