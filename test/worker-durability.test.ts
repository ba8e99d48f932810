import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { NavigationEventV1 } from '@flowbridge/contracts';
import {
  createTestDatabase,
  HttpPeer,
  NavigationQueues,
  sendJson,
  type TestDatabase,
  testRedisUrl,
  until,
} from '@flowbridge/testing';

/** Processes start and die here: waits are longer than in-process tests'. */
const PATIENT = { timeoutMs: 30_000, everyMs: 100 };
import { entry, migrateServices, newKey, ServiceProcess, type ServiceName } from './service-process';

// The compiled services as separate OS processes on one database, as deployed; workers are killed with
// SIGKILL mid-work and replaced. A business API on 127.0.0.1 counts what it receives.
describe('worker durability (services as processes, kill -9)', () => {
  let db: TestDatabase;
  const started: ServiceProcess[] = [];
  const business = new HttpPeer();
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const prefix = `fbtest-durable-${randomBytes(4).toString('hex')}`;
  const env = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: testRedisUrl(),
    RPC_NAMESPACE: prefix,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-a',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    ENCRYPTION_KEYS: `k1:${newKey()}`,
    WORKER_LOCK_DURATION_MS: '2000',
  });
  let connections: ServiceProcess;
  let flows: ServiceProcess;
  let navigation: NavigationQueues;
  let connectionId: string;

  async function startService(service: ServiceName): Promise<ServiceProcess> {
    const proc = await ServiceProcess.launch(service, env());
    started.push(proc);
    await proc.ready();
    return proc;
  }
  const startWorker = () => startService('worker');

  const call = (proc: ServiceProcess, method: string, path: string, body?: unknown) =>
    proc.call(adminKey, method, path, body);

  beforeAll(async () => {
    if (!existsSync(entry('worker')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    db = await createTestDatabase('durable');
    await migrateServices(db.url, ['connections', 'flow-definition', 'worker'], db.appUrl);
    await business.start();
    connections = await startService('connections');
    flows = await startService('flow-definition');
    navigation = new NavigationQueues(testRedisUrl(), prefix);
    const created = await call(connections, 'POST', '/connections', {
      title: 'Customer API',
      baseUrl: business.origin,
      retry: { attempts: 3, backoff: 'fixed', delayMs: 2500, maxDelayMs: 2500 },
      timeoutMs: 20_000,
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id as string;
  }, 60_000);

  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await Promise.all(started.map((p) => p.exited));
    await navigation?.close();
    await business.stop();
    await db?.drop();
  });

  async function publishLookup(): Promise<string> {
    const api = await call(connections, 'POST', '/apis', {
      name: `Fetch API Data ${randomUUID().slice(0, 8)}`,
      connectionId,
      method: 'POST',
      path: '/orders/{{order_id}}',
      body: { order: '{{order_id}}' },
    });
    expect(api.status).toBe(201);
    const flow = await call(flows, 'POST', '/flows', {
      name: `Lookup ${randomUUID().slice(0, 8)}`,
      triggers: [{ type: 'api' }],
      startScreen: 'lookup',
      variables: [{ name: 'order_id' }],
      screens: [
        {
          id: 'lookup',
          messages: [{ type: 'text', text: 'Looking up {{order_id}}' }],
          actions: [{ type: 'data_exchange', api: api.body.id, onSuccess: 'found', onFailure: 'failed' }],
        },
        {
          id: 'found',
          messages: [{ type: 'text', text: 'Found {{api_response.data.status}}' }],
          actions: [{ type: 'end' }],
        },
        { id: 'failed', messages: [{ type: 'text', text: 'Failed' }], actions: [{ type: 'end' }] },
      ],
    });
    expect(flow.body.problems).toEqual([]);
    expect((await call(flows, 'POST', `/flows/${flow.body.id}/publish`)).status).toBe(201);
    return flow.body.id as string;
  }

  async function startRun(flowId: string, waId: string, orderId: string): Promise<void> {
    const res = await call(flows, 'POST', `/flows/${flowId}/runs`, {
      channelId: '5f1b7c9e-3a2d-4e8f-9b6a-1c2d3e4f5a6b',
      contact: { waId },
      variables: { order_id: orderId },
    });
    expect(res.status).toBe(202);
  }

  async function navigationsOf(runId: string): Promise<NavigationEventV1[]> {
    return (await navigation.events()).filter((n) => n.runId === runId);
  }

  async function finished(worker: ServiceProcess, waId: string) {
    return until(
      `the run of ${waId} to finish`,
      async () => {
        const list = await call(worker, 'GET', `/runs?contact=${waId}`);
        const run = (list.body?.items as Array<{ id: string; status: string }> | undefined)?.find(
          (r) => r.status === 'completed',
        );
        return run && (await call(worker, 'GET', `/runs/${run.id}`)).body;
      },
      PATIENT,
    );
  }

  it('a retry scheduled before the worker is killed happens after a new one starts; each navigation once', async () => {
    const flowId = await publishLookup();
    business.reset();
    const seen: number[] = [];
    business.handle((_req, res, n) => {
      seen.push(Date.now());
      sendJson(res, n === 1 ? 503 : 200, { status: n === 1 ? 'down' : 'shipped' });
    });
    const first = await startWorker();
    await startRun(flowId, '447700900101', 'A-1');
    await until('the first attempt', async () => seen.length === 1, PATIENT);
    first.kill('SIGKILL');
    await first.exited;
    const second = await startWorker();
    const run = await finished(second, '447700900101');
    expect(seen).toHaveLength(2);
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(2500);
    const keys = business.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([`${run.id}:2`, `${run.id}:2`]);
    const sent = await navigationsOf(run.id);
    expect(sent.map((n) => n.navigationId).sort()).toEqual([`${run.id}:1`, `${run.id}:3`]);
    expect(sent.flatMap((n) => n.messages.map((m) => ('text' in m ? m.text : '')))).toEqual(
      expect.arrayContaining(['Looking up A-1', 'Found shipped']),
    );
    second.kill('SIGTERM');
    await second.exited;
  }, 60_000);

  it('killed during an API call: the call is made again with the same Idempotency-Key, each message once', async () => {
    const flowId = await publishLookup();
    business.reset();
    // The first request never gets an answer: the worker is killed while it waits.
    business.handle((_req, res, n) => {
      if (n > 1) sendJson(res, 200, { status: 'shipped' });
    });
    const first = await startWorker();
    await startRun(flowId, '447700900102', 'A-2');
    await until('the hanging call', async () => business.requests.length === 1, PATIENT);
    first.kill('SIGKILL');
    await first.exited;
    const second = await startWorker();
    const run = await finished(second, '447700900102');
    expect(business.requests).toHaveLength(2);
    expect(business.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      `${run.id}:2`,
      `${run.id}:2`,
    ]);
    const sent = await navigationsOf(run.id);
    expect(sent.map((n) => n.navigationId).sort()).toEqual([`${run.id}:1`, `${run.id}:3`]);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);

  it('SIGTERM during an API call: the call finishes, the run moves on, the process exits 0', async () => {
    const flowId = await publishLookup();
    business.reset();
    business.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'late but fine' }), 1500);
    });
    const worker = await startWorker();
    await startRun(flowId, '447700900103', 'A-3');
    await until('the slow call', async () => business.requests.length === 1, PATIENT);
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(business.requests).toHaveLength(1);
    const next = await startWorker();
    const run = await finished(next, '447700900103');
    // The answer was used, not asked for again: one call, and its result on the success screen.
    expect(business.requests).toHaveLength(1);
    expect(run.screenId).toBe('found');
    next.kill('SIGTERM');
    await next.exited;
  }, 60_000);

  it('SIGTERM while the decision that starts an API call is still committing: the call is made once, before the exit', async () => {
    const flowId = await publishLookup();
    business.reset();
    business.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'shipped' }), 300);
    });
    const worker = await startWorker();
    const { Client } = await import('pg');
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    try {
      // The batch reads and decides, then waits on its outbox insert: its in-process attempt is leased, not started.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE worker.outbox IN SHARE ROW EXCLUSIVE MODE');
      await startRun(flowId, '447700900104', 'A-4');
      await until(
        'the batch to wait on the outbox',
        async () => {
          const { rows } = await blocker.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks waiting JOIN pg_locks writing USING (pid)
              WHERE waiting.relation = 'worker.outbox'::regclass AND NOT waiting.granted
                AND writing.relation = 'worker.run_steps'::regclass AND writing.granted`,
          );
          return Number(rows[0].n) > 0;
        },
        PATIENT,
      );
      worker.kill('SIGTERM');
      // Long enough for a shutdown that only waited for attempts already running to have stopped waiting.
      await new Promise((r) => setTimeout(r, 1000));
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    expect((await worker.exited).code).toBe(0);
    // The attempt ran and its answer was recorded before the exit: no lease left for another worker to re-run.
    expect(business.requests).toHaveLength(1);
    const next = await startWorker();
    const run = await finished(next, '447700900104');
    await new Promise((r) => setTimeout(r, 2500)); // past the 2 s lease an unrecorded attempt would have left
    expect(business.requests).toHaveLength(1);
    expect(run.screenId).toBe('found');
    next.kill('SIGTERM');
    await next.exited;
  }, 60_000);

  it('1,000 contacts at once with 2 worker processes: all complete, none twice', async () => {
    const flowId = await publishLookup();
    business.reset();
    business.handle((req, res) => sendJson(res, 200, { status: `ok ${req.url}` }));
    const workers = [await startWorker(), await startWorker()];
    const contacts = Array.from({ length: 1000 }, (_, i) => String(447700910000 + i));
    for (let i = 0; i < contacts.length; i += 50)
      await Promise.all(contacts.slice(i, i + 50).map((waId, j) => startRun(flowId, waId, `B-${i + j}`)));
    await until(
      'every run to complete',
      async () => {
        const c = await countRuns(flowId);
        return c.completed === 1000 && c;
      },
      { ...PATIENT, timeoutMs: 120_000 },
    );
    expect(business.requests).toHaveLength(1000);
    expect(new Set(business.requests.map((r) => r.url)).size).toBe(1000);
    // Two navigations per run (the lookup screen, the found screen), each emitted once.
    const ours = (await navigation.events(['waiting', 'completed'])).filter((n) => n.flowId === flowId);
    expect(ours).toHaveLength(2000);
    expect(new Set(ours.map((n) => n.navigationId)).size).toBe(2000);
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
  }, 240_000);

  async function countRuns(flowId: string): Promise<{ completed: number; total: number }> {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ completed: string; total: string }>(
        `SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) AS total FROM worker.runs WHERE flow_id = $1`,
        [flowId],
      );
      return { completed: Number(rows[0].completed), total: Number(rows[0].total) };
    } finally {
      await client.end();
    }
  }
});
