/**
 * Waits for `work` at most `ms`: closing a queue or a Redis connection can wait forever while Redis is
 * unreachable, and a shutdown must still end. True when the work finished in time.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true).catch(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long a queue consumer's shutdown waits for the jobs in flight: the shutdown budget less 2 s for the hooks
 * that close after it; nothing while Redis is unreachable, since there is nothing to hand back then.
 */
export function consumerShutdownBudgetMs(redis: { status: string }, shutdownTimeoutMs: number): number {
  return redis.status === 'ready' ? shutdownTimeoutMs - 2000 : 0;
}
