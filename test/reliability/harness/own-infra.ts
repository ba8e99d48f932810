import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort } from '../../service-process';

// A Redis and a Postgres of the suite's own, on spare ports and in temporary directories, so that a scenario
// can stop, kill and restart them without touching the servers every other test shares.

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(300, () => done(false));
  });
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server as production runs it: AOF fsynced every second, noeviction. */
export class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'fb-rel-redis-'));
  port = 0;
  private server?: ChildProcess;
  private exited?: Promise<void>;

  /** `password`: Redis asks for it (requirepass), and every client here and in the services sends it. */
  constructor(
    private readonly flags: string[] = [],
    readonly password?: string,
  ) {}

  get url(): string {
    const auth = this.password ? `:${encodeURIComponent(this.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction');
    if (this.password) args.push('--requirepass', this.password);
    const server = spawn('redis-server', [...args, ...this.flags], { stdio: 'ignore' });
    this.server = server;
    this.exited = new Promise((resolve) => server.once('exit', () => resolve()));
    await waitFor('redis-server to listen', () => listening(this.port));
    // Loading the AOF answers LOADING until done; wait until commands run.
    await waitFor('redis-server to load its data', async () => (await this.ping()) === 'PONG');
    return this;
  }

  /** SIGTERM (Redis writes its AOF and exits), or SIGKILL (whatever the kernel already has is all there is). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.server?.kill(signal);
    await this.exited;
    this.server = undefined;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** A copy of the AOF as it is now on disk (what a host that loses power a moment later comes back with). */
  snapshotAof(): string {
    const copy = mkdtempSync(join(tmpdir(), 'fb-rel-aof-'));
    cpSync(join(this.dir, 'appendonlydir'), copy, { recursive: true });
    return copy;
  }

  /** Puts a snapshot back in place of the AOF (Redis must be stopped): the writes since are lost. */
  restoreAof(snapshot: string): void {
    if (this.server) throw new Error('stop Redis before restoring its AOF');
    rmSync(join(this.dir, 'appendonlydir'), { recursive: true, force: true });
    cpSync(snapshot, join(this.dir, 'appendonlydir'), { recursive: true });
    rmSync(snapshot, { recursive: true, force: true });
  }

  async ping(): Promise<string | null> {
    const client = this.client({ lazyConnect: true });
    try {
      await client.connect();
      return await client.ping();
    } catch {
      return null;
    } finally {
      client.disconnect();
    }
  }

  client(options: { lazyConnect?: boolean } = {}): Redis {
    return new Redis(this.url, {
      ...options,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      enableOfflineQueue: !options.lazyConnect,
    });
  }

  /** Runs one command and closes. */
  async command<T>(name: string, ...args: Array<string | number>): Promise<T> {
    const client = this.client();
    try {
      return (await client.call(name, ...args)) as T;
    } finally {
      client.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function postgresBin(tool: string): string {
  const fromConfig = (() => {
    try {
      return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();
  const candidates = [fromConfig, ...listVersions().map((v) => `/usr/lib/postgresql/${v}/bin`)];
  const found = candidates.find((dir) => dir && existsSync(join(dir, tool)));
  if (!found) throw new Error(`${tool} not found: install PostgreSQL's server binaries (STACK.md)`);
  return join(found, tool);
}

function listVersions(): string[] {
  return existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
}

/** Postgres refuses to run as root: then its tools run as the `postgres` user, in a directory it owns. */
function asPostgres(tool: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args];
}

/** A Postgres cluster made with initdb in a temporary directory, started and stopped with pg_ctl. */
export class OwnPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'fb-rel-pg-'));
  port = 0;
  private initialised = false;

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/flowbridge`;
  }

  private pgCtl(...args: string[]): void {
    const [cmd, argv] = asPostgres(postgresBin('pg_ctl'), ['-D', join(this.dir, 'data'), ...args]);
    execFileSync(cmd, argv, { stdio: 'ignore' });
  }

  async start(): Promise<this> {
    if (!this.initialised) {
      if (process.getuid?.() === 0)
        chownSync(this.dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
      const [cmd, argv] = asPostgres(postgresBin('initdb'), [
        '-D',
        join(this.dir, 'data'),
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-sync',
      ]);
      execFileSync(cmd, argv, { stdio: 'ignore' });
      this.port = await freePort();
      this.initialised = true;
    }
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=200',
      // Only processes crash here, never the OS: what Postgres wrote is in the kernel's cache either way.
      '-c fsync=off',
      '-c full_page_writes=off',
    ].join(' ');
    this.pgCtl('-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start');
    this.running = true;
    if (!this.created) {
      await this.query('CREATE DATABASE flowbridge', 'postgres');
      this.created = true;
    }
    return this;
  }

  private created = false;

  running = false;

  /** `immediate` is a crash: no checkpoint, clients cut off; the next start recovers from the WAL. */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    this.pgCtl('-m', mode, '-w', 'stop');
    this.running = false;
  }

  async query<T = Record<string, unknown>>(
    sql: string,
    database = 'flowbridge',
    params: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/${database}` });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  close(): void {
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
