import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runMigrations } from '@flowbridge/platform';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from '../services/connections/src/migrations';
import {
  FLOW_DEFINITION_MIGRATIONS,
  FLOW_DEFINITION_SCHEMA,
} from '../services/flow-definition/src/migrations';
import { MESSAGING_MIGRATIONS, MESSAGING_SCHEMA } from '../services/whatsapp-messaging/src/migrations';
import { WORKER_MIGRATIONS, WORKER_SCHEMA } from '../services/worker/src/migrations';

// Runs the compiled services as an operator would (npm test builds dist/ first).
export const ROOT = join(__dirname, '..');
export const entry = (service: string, file = 'main.js'): string =>
  join(ROOT, 'dist/services', service, 'src', file);
export const newKey = (): string => randomBytes(32).toString('base64');

/** The V8 heap settings the services run with in production (scripts/services.mjs): the tests run them so. */
const settings = readFileSync(join(ROOT, 'scripts/services.mjs'), 'utf8');
export const SERVICE_NODE_OPTIONS = /\bSERVICE_NODE_OPTIONS = '([^']+)'/.exec(settings)![1];
/** The busy services' (a larger young generation: every step passes through them). */
export const BUSY_SERVICE_NODE_OPTIONS = /BUSY_SERVICE_NODE_OPTIONS = '([^']+)'/.exec(settings)![1];
/** The services scripts/services.mjs runs with BUSY_SERVICE_NODE_OPTIONS, by name. */
export const BUSY_SERVICES: ReadonlySet<string> = new Set(
  [...settings.matchAll(/name: '([\w-]+)',[^}]*?nodeOptions: BUSY_SERVICE_NODE_OPTIONS/g)].map((m) => m[1]),
);
/** The NODE_OPTIONS a service runs with, as scripts/services.mjs' `nodeOptionsOf` gives them. */
export const nodeOptionsOf = (service: string): string =>
  BUSY_SERVICES.has(service) ? BUSY_SERVICE_NODE_OPTIONS : SERVICE_NODE_OPTIONS;

const SCHEMAS = {
  connections: [CONNECTIONS_SCHEMA, CONNECTIONS_MIGRATIONS],
  'flow-definition': [FLOW_DEFINITION_SCHEMA, FLOW_DEFINITION_MIGRATIONS],
  worker: [WORKER_SCHEMA, WORKER_MIGRATIONS],
  'whatsapp-messaging': [MESSAGING_SCHEMA, MESSAGING_MIGRATIONS],
} as const;

/**
 * Applies these services' migrations, in the order given (as the migrate image does), as the owner; with
 * `appUrl`, the role the services will connect as is created and granted the tables.
 */
export async function migrateServices(
  databaseUrl: string,
  services: ServiceName[],
  appUrl?: string,
): Promise<void> {
  for (const service of services) {
    const [schema, migrations] = SCHEMAS[service];
    await runMigrations({ databaseUrl, appUrl, service, schema, migrations: [...migrations] });
  }
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export type ServiceName = keyof typeof SCHEMAS;

/** The variable each service takes its HTTP port from. */
const PORT_VAR: Record<ServiceName, string> = {
  connections: 'CONNECTIONS_PORT',
  'flow-definition': 'FLOW_DEFINITION_PORT',
  worker: 'WORKER_PORT',
  'whatsapp-messaging': 'WHATSAPP_MESSAGING_PORT',
};

export class ServiceProcess {
  /** Spawns a compiled service on a free port of 127.0.0.1 (its port variable set); call ready() to wait. */
  static async launch(service: ServiceName, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const port = await freePort();
    return new ServiceProcess(entry(service), { ...env, [PORT_VAR[service]]: String(port) }, port);
  }

  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(
    script: string,
    env: NodeJS.ProcessEnv,
    readonly port: number,
  ) {
    this.child = spawn(process.execPath, [script], {
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: nodeOptionsOf(/dist\/services\/([\w-]+)\//.exec(script)?.[1] ?? ''),
        ...env,
      },
      cwd: ROOT,
    });
    this.child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 150; i += 1) {
      const res = await fetch(this.url('/health/ready')).catch(() => null);
      if (res?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`service on ${this.port} never became ready:\n${this.output.join('')}`);
  }

  /** An admin API call, its body read loosely (as supertest's `body` is in the in-process tests). */
  async call(adminKey: string, method: string, path: string, body?: unknown) {
    const res = await fetch(this.url(path), {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}
