import { type AdminClient, createAdminClient, must } from '@flowbridge/api-client';
import { redisOptionsFromUrl } from '@flowbridge/platform';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRole, HttpPeer, sendJson, TEST_APP_ROLE, until } from '@flowbridge/testing';
import { Queue } from 'bullmq';
import { type Sandbox, startSandbox } from '../../../tools/sandbox/src/sandbox';
import { sign, textMessage, webhookBody } from '../../../tools/sandbox/src/webhook-bodies';
import { entry, migrateServices, newKey, ServiceProcess, type ServiceName } from '../../service-process';
import { OwnPostgres, OwnRedis } from './own-infra';

/** The messaging service's SEND_IN_DOUBT_GRACE_MS in the suites. */
const IN_DOUBT_GRACE_MS = 2000;
export const PATIENT = { timeoutMs: 60_000, everyMs: 100 };

export interface SystemOptions {
  workers?: number;
  /** Variables for every service (on top of the suite's). */
  env?: NodeJS.ProcessEnv;
  /** Flags for the suite's redis-server. */
  redisFlags?: string[];
  /** Redis asks for this password; every service gets it in REDIS_URL. */
  redisPassword?: string;
}

/**
 * The whole system as processes on the suite's own Redis and Postgres: connections, flow-definition, the
 * worker(s) and whatsapp-messaging, with the sandbox as the Cloud API, a business API that counts what it
 * receives (and can hang, fail or drip), and a canary that must never be reached. `seed()` sets up the page's
 * walkthrough in its shortest form: keyword "order" → the API → "Your order is …" or "Failed".
 */
export class System {
  readonly redis: OwnRedis;
  readonly pg = new OwnPostgres();
  readonly business = new HttpPeer((_req, res) => sendJson(res, 200, { status: 'shipped' }));
  readonly canary = new HttpPeer();
  readonly adminKey = `fb_rel_${randomBytes(18).toString('base64url')}`;
  readonly prefix = `fbrel-${randomBytes(3).toString('hex')}`;
  readonly number = {
    phoneNumberId: '180000000000001',
    displayPhoneNumber: '15550009999',
    wabaId: '280000000000001',
    appSecret: `rel-secret-${randomBytes(8).toString('hex')}`,
  };
  sandbox!: Sandbox;
  connections!: ServiceProcess;
  flows!: ServiceProcess;
  messaging!: ServiceProcess;
  workers: ServiceProcess[] = [];
  flowId = '';
  channelId = '';
  private readonly started: ServiceProcess[] = [];
  private readonly encryptionKey = newKey();
  /** The shared service key and the channel's token: secrets the wire scenarios look for. */
  readonly internalKey = randomBytes(32).toString('base64');
  readonly accessToken = `EAAG-rel-${randomBytes(12).toString('hex')}`;
  private seq = 0;

  constructor(private readonly options: SystemOptions = {}) {
    this.redis = new OwnRedis(options.redisFlags, options.redisPassword);
  }

  static async start(options: SystemOptions = {}): Promise<System> {
    if (!existsSync(entry('worker')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const system = new System(options);
    await system.boot();
    return system;
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      NODE_ENV: 'test',
      // REL_LOG_LEVEL=info to see every step of a failing scenario (diagnose writes the whole output to a file).
      LOG_LEVEL: process.env.REL_LOG_LEVEL ?? 'warn',
      DATABASE_URL: asRole(this.pg.url, TEST_APP_ROLE),
      DATABASE_POOL_SIZE: '8',
      REDIS_URL: this.redis.url,
      RPC_NAMESPACE: this.prefix,
      QUEUE_PREFIX: this.prefix,
      TRIGGER_PARTITIONS: '4',
      NAVIGATION_PARTITIONS: '4',
      ADMIN_API_KEY: this.adminKey,
      ADMIN_WORKSPACE: 'ws-rel',
      ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
      // Exactly the business API: the canary on the same host but another port stays refused.
      OUTBOUND_ALLOW_HOSTS: this.business.host,
      ENCRYPTION_KEYS: `k1:${this.encryptionKey}`,
      INTERNAL_KEY: this.internalKey,
      GRAPH_API_BASE_URL: this.sandbox.url,
      WORKER_LOCK_DURATION_MS: '2000',
      // Short, so that every duplicate check can wait it out (duplicatesAmong).
      SEND_IN_DOUBT_GRACE_MS: String(IN_DOUBT_GRACE_MS),
      SHUTDOWN_TIMEOUT_MS: '20000',
      ...this.options.env,
      ...extra,
    };
  }

  private async boot(): Promise<void> {
    await Promise.all([this.redis.start(), this.pg.start(), this.business.start(), this.canary.start()]);
    await migrateServices(
      this.pg.url,
      ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'],
      asRole(this.pg.url, TEST_APP_ROLE),
    );
    this.sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers: [this.number] });
    [this.connections, this.flows, this.messaging] = await Promise.all([
      this.startService('connections'),
      this.startService('flow-definition'),
      this.startService('whatsapp-messaging'),
    ]);
    this.sandbox.options.webhookUrl = this.messaging.url('/webhooks/whatsapp');
    for (let i = 0; i < (this.options.workers ?? 1); i++)
      this.workers.push(await this.startService('worker'));
  }

  /** After a scenario that failed half-way: Redis and Postgres running again, Redis without a memory cap. */
  async restoreInfrastructure(): Promise<void> {
    if (!this.redis.running) await this.redis.start();
    if (!this.pg.running) await this.pg.start();
    await this.redis.command('CONFIG', 'SET', 'maxmemory', '0');
  }

  /** Starts one more process of a service (waiting until it is ready unless told not to). */
  async startService(
    service: ServiceName,
    extra: NodeJS.ProcessEnv = {},
    wait = true,
  ): Promise<ServiceProcess> {
    const proc = await ServiceProcess.launch(service, this.env(extra));
    this.started.push(proc);
    if (wait) await proc.ready();
    return proc;
  }

  async startWorker(extra: NodeJS.ProcessEnv = {}): Promise<ServiceProcess> {
    const worker = await this.startService('worker', extra);
    this.workers.push(worker);
    return worker;
  }

  /** Stops one process (SIGKILL: a crash; SIGTERM: a deploy) and forgets it. */
  async stopProcess(
    proc: ServiceProcess,
    signal: NodeJS.Signals,
  ): Promise<{ code: number | null; ms: number }> {
    const began = Date.now();
    proc.kill(signal);
    const { code } = await proc.exited;
    this.workers = this.workers.filter((w) => w !== proc);
    return { code, ms: Date.now() - began };
  }

  /** The generated admin client (libs/api-client) on the running services (the first worker's routes). */
  get api(): AdminClient {
    return createAdminClient({
      adminKey: this.adminKey,
      baseUrl: {
        connections: this.connections.url(''),
        'flow-definition': this.flows.url(''),
        'whatsapp-messaging': this.messaging.url(''),
        worker: this.workers[0].url(''),
      },
    });
  }

  /** Connection, API, channel and the published flow. */
  async seed(
    retry = { attempts: 3, backoff: 'fixed' as const, delayMs: 300, maxDelayMs: 300 },
    timeoutMs = 3000,
  ) {
    const api = this.api;
    const connection = must(
      await api.POST('/connections', {
        body: { title: 'Business API', baseUrl: this.business.origin, retry, timeoutMs },
      }),
    );
    const fetchApi = must(
      await api.POST('/apis', {
        body: {
          name: 'Fetch API Data',
          connectionId: connection.id,
          method: 'POST',
          path: '/orders/{{contact.waId}}',
          body: { order: '{{contact.waId}}' },
        },
      }),
    );
    const channel = must(
      await api.POST('/channels', {
        body: {
          ...this.number,
          accessToken: this.accessToken,
          verifyToken: 'rel-verify',
          messagesPerSecond: 1000,
        },
      }),
    );
    this.channelId = channel.id;
    this.flowId = await this.publishLookupFlow({
      name: 'Order lookup',
      keyword: 'order',
      apiId: fetchApi.id,
      found: 'Your order is {{api_response.data.status}}',
      failed: 'Failed',
    });
  }

  /** Publishes a flow: the keyword → the API → `found` on success, `failed` on failure; returns its id. */
  async publishLookupFlow(f: {
    name: string;
    keyword: string;
    apiId: string;
    found: string;
    failed: string;
  }) {
    const flow = must(
      await this.api.POST('/flows', {
        body: {
          name: f.name,
          triggers: [{ type: 'keyword', keywords: [f.keyword], match: 'contains' }],
          startScreen: 'lookup',
          variables: [],
          screens: [
            {
              id: 'lookup',
              messages: [],
              actions: [{ type: 'data_exchange', api: f.apiId, onSuccess: 'found', onFailure: 'failed' }],
            },
            { id: 'found', messages: [{ type: 'text', text: f.found }], actions: [{ type: 'end' }] },
            { id: 'failed', messages: [{ type: 'text', text: f.failed }], actions: [{ type: 'end' }] },
          ],
        },
      }),
    );
    if (flow.problems.length > 0) throw new Error(`flow: ${JSON.stringify(flow.problems)}`);
    must(await this.api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }));
    return flow.id;
  }

  newContact(): string {
    this.seq += 1;
    return String(447800000000 + this.seq);
  }

  /** A signed webhook carrying one "order status" text from each contact; the raw body, for redelivery. */
  webhookOf(waIds: string[], text = 'order status'): string {
    return JSON.stringify(webhookBody(this.number, { messages: waIds.map((w) => textMessage(w, text)) }));
  }

  /** POSTs a webhook body as Meta does; the status, or 0 when no answer came within `timeoutMs`. */
  async deliver(
    raw: string,
    timeoutMs = 10_000,
    to: ServiceProcess = this.messaging,
  ): Promise<{ status: number; ms: number }> {
    const began = Date.now();
    try {
      const res = await fetch(to.url('/webhooks/whatsapp'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': sign(raw, this.number.appSecret),
        },
        body: raw,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - began };
    } catch {
      return { status: 0, ms: Date.now() - began };
    }
  }

  /** Meta's contract: a webhook not answered 200 is delivered again, until it is. */
  async deliverUntilAccepted(raw: string, everyMs = 250, timeoutMs = 60_000): Promise<number> {
    let tries = 0;
    await until(
      'the webhook to be accepted',
      async () => {
        tries += 1;
        return (await this.deliver(raw, 5000)).status === 200;
      },
      { timeoutMs, everyMs },
    );
    return tries;
  }

  /** What the sandbox accepted for a contact, as text. */
  sentTexts(waId: string): string[] {
    return this.sandbox.sentTo(waId).map((e) => (e.message as { text?: { body: string } }).text?.body ?? '?');
  }

  /** Waits until every contact got its answer; returns how long that took. */
  async everyoneAnswered(waIds: string[], timeoutMs = PATIENT.timeoutMs): Promise<number> {
    const began = Date.now();
    try {
      await until(
        `answers to ${waIds.length} contacts`,
        async () => waIds.every((w) => this.sandbox.sentTo(w).length > 0),
        { timeoutMs, everyMs: 200 },
      );
    } catch (error) {
      const waiting = waIds.filter((w) => this.sandbox.sentTo(w).length === 0);
      throw new Error(
        `${(error as Error).message}; ${waiting.length} unanswered:\n${await this.diagnose(waiting)}`,
      );
    }
    return Date.now() - began;
  }

  /** Where unanswered contacts are stuck: their runs, inbox, outbox and outbound rows, and the queues. */
  async diagnose(waIds: string[]): Promise<string> {
    const some = waIds.slice(0, 5);
    const q = (sql: string) => this.pg.query(sql, 'flowbridge', [some]).catch((e: Error) => e.message);
    const report = {
      runs: await q(`SELECT id, wa_id, status, screen_id FROM worker.runs WHERE wa_id = ANY($1)`),
      inbox: await q(`SELECT wa_id, event_id, kind, applied_at FROM worker.inbox WHERE wa_id = ANY($1)`),
      outbox: await q(`SELECT wa_id, queue, job_id FROM worker.outbox WHERE wa_id = ANY($1)`),
      messages: await q(
        `SELECT wa_id, direction, send_state, attempts, navigation_id FROM whatsapp_messaging.messages WHERE wa_id = ANY($1)`,
      ),
      calls: some.map((w) => this.callsFor(w)),
      jobs: await this.jobCounts([
        'flow-api-calls',
        'flow-triggers.0',
        'flow-triggers.1',
        'flow-triggers.2',
        'flow-triggers.3',
      ]).catch((e: Error) => e.message),
    };
    const lines = this.output().split('\n');
    const problems = lines.filter((l) => /warn|error|fatal/i.test(l)).map((l) => l.slice(0, 400));
    // What the processes said about these contacts and their runs, whatever its level.
    const runIds = Array.isArray(report.runs) ? report.runs.map((r) => String(r.id)) : [];
    const about = lines
      .filter((l) => [...some, ...runIds].some((id) => l.includes(id)))
      .map((l) => l.slice(0, 600));
    const file = join(tmpdir(), `flowbridge-unanswered-${Date.now()}.log`);
    writeFileSync(file, lines.join('\n'));
    return [
      JSON.stringify(report),
      `about them (${about.length} lines):`,
      ...about.slice(-25),
      'last warnings and errors:',
      ...[...new Set(problems)].slice(-25),
      `every line the processes wrote: ${file}`,
    ].join('\n');
  }

  /**
   * Sends beyond one per contact (the flow sends one message), counted once a send still in doubt would have
   * been sent again: after SEND_IN_DOUBT_GRACE_MS and the drain that follows it.
   */
  async duplicatesAmong(waIds: string[]): Promise<number> {
    await new Promise((r) => setTimeout(r, IN_DOUBT_GRACE_MS + 1500));
    return waIds.reduce((n, w) => n + Math.max(0, this.sandbox.sentTo(w).length - 1), 0);
  }

  /** BullMQ's view of one queue (the caller closes it). */
  queue(name: string): Queue {
    return new Queue(name, { connection: redisOptionsFromUrl(this.redis.url), prefix: this.prefix });
  }

  /** Sums job counts across the partitions of a queue family (`flow-triggers`, `flow-navigation`). */
  async jobCounts(names: string[]): Promise<Record<string, number>> {
    const total: Record<string, number> = {};
    for (const name of names) {
      const q = this.queue(name);
      try {
        const counts = await q.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'completed',
          'failed',
          'prioritized',
        );
        for (const [k, v] of Object.entries(counts)) total[k] = (total[k] ?? 0) + v;
      } finally {
        await q.close();
      }
    }
    return total;
  }

  async readiness(proc: ServiceProcess): Promise<number> {
    const res = await fetch(proc.url('/health/ready'), { signal: AbortSignal.timeout(3000) }).catch(
      () => null,
    );
    return res?.status ?? 0;
  }

  /** The sum of a Prometheus metric's samples on a process's /metrics (all label sets). */
  async metric(proc: ServiceProcess, name: string): Promise<number> {
    const res = await fetch(proc.url('/metrics'), { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n'))
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
    return sum;
  }

  /** API calls the business API received for a contact. */
  callsFor(waId: string): number {
    return this.business.requests.filter((r) => r.url === `/orders/${waId}`).length;
  }

  /** Every line the processes wrote (for secret and error checks). */
  output(): string {
    return this.started.map((p) => p.output.join('')).join('\n');
  }

  async close(): Promise<void> {
    for (const p of this.started) p.kill('SIGKILL');
    await Promise.all(this.started.map((p) => p.exited));
    await this.sandbox?.close();
    await Promise.all([this.business.stop(), this.canary.stop()]);
    await this.redis.close();
    this.pg.close();
  }
}
