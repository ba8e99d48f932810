// Finds the PostgreSQL and Redis the tests use, once per run (STACK.md's order): DATABASE_URL/REDIS_URL,
// else the local defaults when they answer, else testcontainers when a container runtime exists.
// With none, the run fails with a message saying what to provide; it never skips.
const net = require('node:net');

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function fromContainers(which) {
  try {
    if (which === 'postgres') {
      const { PostgreSqlContainer } = require('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      globalThis.__FB_CONTAINERS__ = [...(globalThis.__FB_CONTAINERS__ ?? []), container];
      return container.getConnectionUri();
    }
    const { RedisContainer } = require('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    globalThis.__FB_CONTAINERS__ = [...(globalThis.__FB_CONTAINERS__ ?? []), container];
    return container.getConnectionUrl();
  } catch (error) {
    return null;
  }
}

module.exports = async function globalSetup() {
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  let pg = (await reachable(databaseUrl, 5432)) ? databaseUrl : await fromContainers('postgres');
  let redis = (await reachable(redisUrl, 6379)) ? redisUrl : await fromContainers('redis');
  const missing = [];
  if (!pg)
    missing.push(
      `PostgreSQL: nothing answers at ${databaseUrl} and no container runtime is available. Start PostgreSQL (STACK.md) or set DATABASE_URL.`,
    );
  if (!redis)
    missing.push(
      `Redis: nothing answers at ${redisUrl} and no container runtime is available. Start redis-server or set REDIS_URL.`,
    );
  if (missing.length) throw new Error(`Tests need real PostgreSQL and Redis:\n  ${missing.join('\n  ')}`);
  process.env.FB_TEST_DATABASE_URL = pg;
  process.env.FB_TEST_REDIS_URL = redis;
};
