import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flowbridge/testing';
import { entry, freePort, runToEnd, ServiceProcess } from './service-process';

// Start-up judges the Redis it is given: one that evicts keys or keeps nothing on disk loses queued jobs.
// Each case runs its own redis-server on a spare port, so the shared one is never reconfigured.
describe('start-up refuses a Redis that would lose queued jobs (own redis-server per case)', () => {
  let db: TestDatabase;
  const servers: ChildProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('redis_durability');
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await db?.drop();
  });

  async function redisServer(...flags: string[]): Promise<string> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'fb-redis-'));
    dirs.push(dir);
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...flags],
      {
        stdio: 'ignore',
      },
    );
    servers.push(server);
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
        socket.unref();
        setTimeout(() => socket.destroy(), 200).unref();
      });
      if (up) return `redis://127.0.0.1:${port}`;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }

  const env = (redisUrl: string, nodeEnv: string): NodeJS.ProcessEnv => ({
    NODE_ENV: nodeEnv,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '2',
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
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
    const port = await freePort();
    const proc = new ServiceProcess(
      entry('flow-definition'),
      { ...env(url, 'development'), FLOW_DEFINITION_PORT: String(port) },
      port,
    );
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
    const port = await freePort();
    const proc = new ServiceProcess(
      entry('flow-definition'),
      { ...env(url, 'production'), FLOW_DEFINITION_PORT: String(port) },
      port,
    );
    try {
      await proc.ready();
      expect(proc.output.join('')).not.toContain('maxmemory-policy');
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
    }
  }, 30_000);
});
