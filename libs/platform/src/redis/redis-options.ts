/** Splits a redis:// URL into the options both ioredis and Nest's Redis transport take. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
}

export function redisOptionsFromUrl(url: string): RedisEndpoint {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** A BullMQ consumer's connection (Worker, QueueEvents): they block on Redis, so no request may give up. */
export function consumerConnection(url: string): RedisEndpoint & { maxRetriesPerRequest: null } {
  return { ...redisOptionsFromUrl(url), maxRetriesPerRequest: null };
}
