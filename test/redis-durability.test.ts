import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase, until } from '@flowbridge/testing';
import { OwnRedis } from './reliability/harness/own-infra';
import { entry, freePort, runToEnd, ServiceProcess } from './service-process';

// Start-up judges the Redis it is given: one that evicts keys or keeps nothing on disk loses queued jobs.
// Each case runs its own redis-server on a spare port, so the shared one is never reconfigured.
describe('start-up refuses a Redis that would lose queued jobs (own redis-server per case)', () => {
  let db: TestDatabase;
  const servers: OwnRedis[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('redis_durability');
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await db?.drop();
  });

  /** A redis-server of this case's own; the flags given override the suite's AOF and noeviction defaults. */
  async function redisServer(...flags: string[]): Promise<string> {
    const server = new OwnRedis(flags);
    servers.push(server);
    return (await server.start()).url;
  }

  const env = (redisUrl: string, nodeEnv: string): NodeJS.ProcessEnv => ({
    NODE_ENV: nodeEnv,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '2',
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
    INTERNAL_KEY: randomBytes(32).toString('base64'),
  });

  it('[F17] production + an evicting Redis that keeps nothing on disk → exit 78, saying what to set', async () => {
    const url = await redisServer('--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no');
    const port = await freePort();
    const run = await runToEnd([entry('flow-definition')], {
      ...env(url, 'production'),
      FLOW_DEFINITION_PORT: String(port),
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('Refusing to start in production with this Redis');
    expect(run.stderr).toContain('Set maxmemory-policy noeviction');
    expect(run.stderr).toContain('Set appendonly yes');
  }, 30_000);

  it('[F17] development + the same Redis → starts, with a warning', async () => {
    const url = await redisServer('--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no');
    const proc = await ServiceProcess.launch('flow-definition', env(url, 'development'));
    try {
      await proc.ready();
      expect(proc.output.join('')).toContain('refused when NODE_ENV=production');
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
    }
  }, 30_000);

  it('[F17] production + AOF and noeviction → starts', async () => {
    const url = await redisServer('--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '');
    const proc = await ServiceProcess.launch('flow-definition', env(url, 'production'));
    try {
      await proc.ready();
      expect(proc.output.join('')).not.toContain('maxmemory-policy');
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
    }
  }, 30_000);

  it('[issue 18] production + RDB snapshots only (no append-only file) → exit 78: a crash loses minutes of jobs', async () => {
    const url = await redisServer('--save', '3600 1', '--appendonly', 'no');
    const port = await freePort();
    const run = await runToEnd([entry('flow-definition')], {
      ...env(url, 'production'),
      FLOW_DEFINITION_PORT: String(port),
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('Redis keeps only RDB snapshots');
    expect(run.stderr).toContain('Set appendonly yes');
  }, 30_000);

  it('[issue 18] production + a Redis down at start-up (the worker starts without it) that comes back without AOF → checked then, and the worker stops (78)', async () => {
    const server = new OwnRedis(['--appendonly', 'no', '--save', '3600 1']);
    servers.push(server);
    server.port = await freePort();
    const proc = await ServiceProcess.launch('worker', env(server.url, 'production'));
    try {
      // Redis is back as soon as the check is deferred: mostly while the service is still starting (its RPC
      // server waits up to 2 s for Redis), the moment a refusal must not be lost.
      await until(
        'the start-up to find Redis away',
        async () => proc.output.join('').includes('durability is checked once it is'),
        { everyMs: 5 },
      );
      await server.start();
      const exit = await Promise.race([
        proc.exited,
        new Promise<null>((r) => setTimeout(() => r(null), 20_000)),
      ]);
      expect(exit?.code).toBe(78);
      expect(proc.output.join('')).toContain('Redis keeps only RDB snapshots');
    } finally {
      proc.kill('SIGKILL');
    }
  }, 60_000);
});
