import { randomBytes, randomUUID } from 'node:crypto';
import {
  ApiCallJobName,
  contactPartition,
  jobIdOf,
  QueueName,
  RpcPattern,
  TriggerJobName,
  type TriggerMessage,
  triggerQueue,
} from '@flowbridge/contracts';
import { type FlowDocument, pageExampleFlow } from '@flowbridge/flow-engine';
import { internalKeyOf, JobAuth, redisOptionsFromUrl, Tenancy, TriggerProducer } from '@flowbridge/platform';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { RPC_CLIENT, RpcClients, RpcUnavailableError } from '../services/worker/src/clients/rpc.clients';
import { BatchRepository } from '../services/worker/src/pipeline/batch.repository';
import { ContactDrainer } from '../services/worker/src/pipeline/contact-drainer';
import { InlineAttempts } from '../services/worker/src/pipeline/inline-attempts';
import { ExpirySweeper } from '../services/worker/src/pipeline/expiry.sweeper';
import { FailedApiCalls } from '../services/worker/src/pipeline/failed-api-calls';
import { InboxRepository } from '../services/worker/src/pipeline/inbox.repository';
import { PendingSweeper } from '../services/worker/src/pipeline/pending.sweeper';
import { Outbox } from '../services/worker/src/pipeline/outbox.service';
import { OutboxSweeper } from '../services/worker/src/pipeline/outbox.sweeper';
import { WorkerConfig } from '../services/worker/src/worker.config';
import { HttpPeer, sendJson, testRedisUrl, until } from '@flowbridge/testing';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { type FlowDefinitionHarness, startFlowDefinition } from './flow-definition-app';
import { startWorker, type WorkerHarness } from './worker-app';

const CHANNEL = '5f1b7c9e-3a2d-4e8f-9b6a-1c2d3e4f5a6b';

/** Started by `word`; answers every reply with "got <reply>" and waits for the next. */
function echoFlow(word: string): Omit<FlowDocument, 'schemaVersion'> {
  return {
    name: `Echo ${word}`,
    triggers: [{ type: 'keyword', keywords: [word], match: 'exact' }],
    startScreen: 'echo',
    variables: [],
    screens: [
      {
        id: 'echo',
        messages: [{ type: 'text', text: 'got {{ said | default: "-" }}' }],
        input: { variable: 'said', type: 'string' },
        actions: [{ type: 'navigate', to: 'echo' }],
      },
    ],
  };
}

/** The page's data_exchange, started by the API trigger with the order id already known. */
function lookupFlow(apiId: string): Omit<FlowDocument, 'schemaVersion'> {
  return {
    name: `Lookup ${randomUUID().slice(0, 8)}`,
    triggers: [{ type: 'api' }],
    startScreen: 'lookup',
    variables: [{ name: 'order_id' }],
    screens: [
      {
        id: 'lookup',
        messages: [{ type: 'text', text: 'Looking up order {{order_id}}…' }],
        actions: [
          { type: 'data_exchange', api: apiId, onSuccess: 'first_screen', onFailure: 'sample_screen' },
        ],
      },
      {
        id: 'first_screen',
        title: 'First Screen',
        messages: [
          { type: 'text', text: 'Order {{order_id}} is {{api_response.data.status}} ({{ customer }})' },
        ],
        actions: [{ type: 'navigate', to: 'check' }],
      },
      {
        id: 'sample_screen',
        title: 'Sample Screen',
        messages: [
          {
            type: 'text',
            text: 'Sorry: {{ api_response.error.code }} after {{ api_response.attempts }} attempts',
          },
        ],
        actions: [{ type: 'navigate', to: 'check' }],
      },
      {
        id: 'check',
        messages: [],
        actions: [
          {
            type: 'if',
            condition: {
              variable: 'api_response.status',
              dataType: 'string',
              operator: 'is',
              value: 'success',
            },
            then: 'done_ok',
            else: 'done_failed',
          },
        ],
      },
      { id: 'done_ok', messages: [{ type: 'text', text: 'If: success' }], actions: [{ type: 'end' }] },
      { id: 'done_failed', messages: [{ type: 'text', text: 'If: failure' }], actions: [{ type: 'end' }] },
    ],
  };
}

describe('worker (in-process, real Postgres, Redis, connections and flow-definition, a business API on 127.0.0.1)', () => {
  let connections: ConnectionsHarness;
  let fd: FlowDefinitionHarness;
  let worker: WorkerHarness;
  const business = new HttpPeer();
  const arrivals: number[] = [];
  let connectionId: string;

  beforeAll(async () => {
    await business.start();
    // One deployment: the services share a queue prefix (the connections generation is read under it).
    const queuePrefix = `fbtest-worker-${randomBytes(4).toString('hex')}`;
    connections = await startConnections('worker-conn', { rpc: true, env: { QUEUE_PREFIX: queuePrefix } });
    const shared = { adminKey: connections.adminKey, rpcNamespace: connections.config.RPC_NAMESPACE };
    fd = await startFlowDefinition('worker-fd', { ...shared, env: { QUEUE_PREFIX: queuePrefix } });
    // Backoff jitter pinned to its ceiling, so the delays between attempts are known: 300 ms, then 600 ms.
    worker = await startWorker('worker', { ...shared, queuePrefix, outbound: { random: () => 0.999 } });
    const created = await connections.call('post', '/connections', {
      title: 'Customer API',
      baseUrl: business.origin,
      retry: { attempts: 3, backoff: 'exponential', delayMs: 300, maxDelayMs: 5000 },
      timeoutMs: 2000,
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
  });

  afterAll(async () => {
    await worker?.close();
    await fd?.close();
    await connections?.close();
    await business.stop();
  });

  /** A fresh API, flow and published version; the business API answers with `handler`. */
  async function publishLookup(
    handler: Parameters<HttpPeer['handle']>[0],
    apiSettings: Record<string, unknown> = {},
  ): Promise<{ flowId: string; apiId: string }> {
    business.reset();
    arrivals.length = 0;
    business.handle((req, res, n) => {
      arrivals.push(Date.now());
      return handler(req, res, n);
    });
    const api = await connections.call('post', '/apis', {
      name: `Fetch API Data ${randomUUID().slice(0, 8)}`,
      connectionId,
      method: 'GET',
      path: '/orders/{{order_id}}',
      responseMapping: { customer: 'data.customer' },
      ...apiSettings,
    });
    expect(api.status).toBe(201);
    const flow = await fd.call('post', '/flows', lookupFlow(api.body.id));
    expect(flow.body.problems).toEqual([]);
    expect((await fd.call('post', `/flows/${flow.body.id}/publish`)).status).toBe(201);
    return { flowId: flow.body.id, apiId: api.body.id };
  }

  async function start(flowId: string, waId: string, headers: Record<string, string> = {}) {
    const res = await fd.call(
      'post',
      `/flows/${flowId}/runs`,
      { channelId: CHANNEL, contact: { waId, name: 'Ana' }, variables: { order_id: 'A-17' } },
      undefined,
      headers,
    );
    expect(res.status).toBe(202);
    return res.body.eventId as string;
  }

  async function finishedRun(waId: string) {
    return until(`the run of ${waId} to end`, async () => {
      const list = await worker.call('get', `/runs?contact=${waId}`);
      const run = (list.body.items as Array<{ id: string; status: string }>).find(
        (r) => r.status === 'completed' || r.status === 'failed',
      );
      return run && (await worker.call('get', `/runs/${run.id}`)).body;
    });
  }

  async function texts(runId: string): Promise<string[]> {
    return (await worker.navigations())
      .filter((n) => n.runId === runId)
      .sort((a, b) => a.seq - b.seq)
      .flatMap((n) => n.messages.map((m) => ('text' in m ? m.text : m.type)));
  }

  it('success: the success screen carries the real response data; the If takes its success branch', async () => {
    const { flowId } = await publishLookup((req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: 'Ana Lima', path: req.url }),
    );
    const waId = '447700900001';
    await start(flowId, waId);
    const run = await finishedRun(waId);
    expect(run).toMatchObject({ status: 'completed', screenId: 'done_ok', flowId, flowVersion: 1 });
    expect(await texts(run.id)).toEqual([
      'Looking up order A-17…',
      'Order A-17 is shipped (Ana Lima)',
      'If: success',
    ]);
    expect(business.requests.map((r) => r.url)).toEqual(['/orders/A-17']);
    expect(run.variables.api_response).toMatchObject({ status: 'success', statusCode: 200 });
    expect(run.callLog).toEqual([
      expect.objectContaining({
        attempt: 1,
        method: 'GET',
        statusCode: 200,
        url: `${business.origin}/orders/A-17`,
      }),
    ]);
    const navigations = (await worker.navigations()).filter((n) => n.runId === run.id);
    expect(navigations.map((n) => n.navigationId)).toEqual(navigations.map((n) => `${run.id}:${n.seq}`));
    expect(navigations[0]).toMatchObject({ channelId: CHANNEL, contact: { waId }, workspaceId: 'ws-a' });
    // The screens it went through, what moved it there, and the navigation each one sent.
    expect(
      (run.steps as Array<{ screenId: string; cause: string; navigationId: string | null }>).map(
        ({ screenId, cause, navigationId }) => [screenId, cause, navigationId],
      ),
    ).toEqual([
      ['lookup', 'start', `${run.id}:1`],
      ['first_screen', 'api_result', `${run.id}:3`],
      ['check', 'api_result', null],
      ['done_ok', 'api_result', `${run.id}:4`],
    ]);
  });

  it('[issue 18] an API-call job that fails for being forged or malformed ends no step: the waiting run gets its real answer', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { flowId, apiId } = await publishLookup(async (_req, res) => {
      await held;
      sendJson(res, 200, { status: 'shipped', customer: 'Ana Lima' });
    });
    const waId = '447700900091';
    await start(flowId, waId);
    await until('the call to reach the business API', async () => arrivals.length > 0 || null);
    const db = worker.app.get(DataSource);
    const [waiting] = await Tenancy.forWorkspace('ws-a', () =>
      db.query<Array<{ id: string; key: string }>>(
        `SELECT id, state->'pendingApi'->>'key' AS key FROM worker.runs WHERE wa_id = $1`,
        [waId],
      ),
    );
    expect(waiting.key).toEqual(expect.any(String));
    const apiCalls = new Queue(QueueName.FlowApiCalls, {
      prefix: worker.config.QUEUE_PREFIX,
      connection: redisOptionsFromUrl(testRedisUrl()),
    });
    let failedJobs: Array<{ remove(): Promise<void> }> = [];
    // What the worker's failed-job listener decides for each job it hears of (called through, only watched).
    const heard = jest.spyOn(worker.app.get(FailedApiCalls), 'abandon');
    try {
      // The step as a real job would name it: signed with another key, then by this deployment with a payload it
      // refuses.
      const call = {
        version: 1,
        contact: { workspaceId: 'ws-a', channelId: CHANNEL, waId },
        runId: waiting.id,
        apiId,
        key: waiting.key,
        attempt: 1,
        countedAttempts: 1,
        startedAt: Date.now(),
      };
      const auth = new JobAuth(internalKeyOf(worker.config));
      const malformedId = `malformed-${randomUUID()}`;
      const malformed = auth.sign(apiCalls.name, ApiCallJobName, malformedId, { ...call, attempt: 'one' });
      const forgedId = `forged-${randomUUID()}`;
      const forged = new JobAuth('not-the-internal-key-of-this-deployment-000').sign(
        apiCalls.name,
        ApiCallJobName,
        forgedId,
        call,
      );
      await apiCalls.add(ApiCallJobName, forged, { jobId: forgedId });
      await apiCalls.add(ApiCallJobName, malformed, { jobId: malformedId });
      const failed = await until('both jobs to fail', async () => {
        const jobs = (await apiCalls.getFailed()).filter((j) => j.data.runId === waiting.id);
        return jobs.length === 2 ? jobs : null;
      });
      expect(failed.map((j) => j.failedReason).sort()).toEqual([
        expect.stringMatching(/^invalid API call job/),
        'job refused: bad_signature',
      ]);
      failedJobs = failed;
      // The worker heard both failures (the queue's event stream) and decided on them before the answer is let
      // through.
      await until('the listener to hear both failures', async () => {
        const ids = heard.mock.calls.map(([jobId]) => jobId);
        return [forgedId, malformedId].every((id) => ids.includes(id)) || null;
      });
      await Promise.all(heard.mock.results.map((result) => result.value as Promise<void>));
      release();
      const run = await finishedRun(waId);
      expect(run).toMatchObject({ status: 'completed', screenId: 'done_ok' });
      expect(run.variables.api_response).toMatchObject({ status: 'success', statusCode: 200 });
      expect(await texts(run.id)).toEqual([
        'Looking up order A-17…',
        'Order A-17 is shipped (Ana Lima)',
        'If: success',
      ]);
      expect((await worker.request().get('/metrics')).text).not.toMatch(
        /flowbridge_api_steps_abandoned_total\{[^}]*\} [1-9]/,
      );
    } finally {
      heard.mockRestore();
      release();
      // Out of the queue's failed set, which other tests here read whole.
      await Promise.all(failedJobs.map((j) => j.remove()));
      await apiCalls.close();
    }
  });

  it('[F10] failure: 500 on every attempt → exactly 3 attempts with growing delays, then the failure screen', async () => {
    const { flowId } = await publishLookup((_req, res) => sendJson(res, 500, { error: 'down' }), {
      idempotencyKey: true,
    });
    const waId = '447700900002';
    await start(flowId, waId);
    const run = await finishedRun(waId);
    expect(business.requests).toHaveLength(3);
    const [first, second] = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    expect(first).toBeGreaterThanOrEqual(299);
    expect(second).toBeGreaterThanOrEqual(599);
    expect(run.callLog.map((c: { statusCode: number }) => c.statusCode)).toEqual([500, 500, 500]);
    // One Idempotency-Key for the step, on every attempt: <runId>:<seq>.
    expect(business.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      `${run.id}:2`,
      `${run.id}:2`,
      `${run.id}:2`,
    ]);
    expect(await texts(run.id)).toEqual([
      'Looking up order A-17…',
      'Sorry: HTTP_STATUS after 3 attempts',
      'If: failure',
    ]);
    expect(run).toMatchObject({ status: 'completed', screenId: 'done_failed' });
  });

  it('[F10] 400 → one attempt, then the failure screen', async () => {
    const { flowId } = await publishLookup((_req, res) => sendJson(res, 400, { error: 'bad order id' }));
    const waId = '447700900003';
    await start(flowId, waId);
    const run = await finishedRun(waId);
    expect(business.requests).toHaveLength(1);
    expect(await texts(run.id)).toEqual([
      'Looking up order A-17…',
      'Sorry: HTTP_STATUS after 1 attempts',
      'If: failure',
    ]);
  });

  it('[F12] 429 with Retry-After: 2 → the next attempt no sooner than 2 s later', async () => {
    const { flowId } = await publishLookup((_req, res, n) =>
      n === 1
        ? sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '2' })
        : sendJson(res, 200, { status: 'ok', customer: 'B' }),
    );
    const waId = '447700900004';
    await start(flowId, waId);
    const run = await finishedRun(waId);
    expect(arrivals).toHaveLength(2);
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(2000);
    expect(run.screenId).toBe('done_ok');
  });

  it('[F14] the same trigger event delivered twice is one run', async () => {
    const { flowId } = await publishLookup((_req, res) =>
      sendJson(res, 200, { status: 'ok', customer: 'C' }),
    );
    const waId = '447700900005';
    const headers = { 'Idempotency-Key': `same-${randomUUID()}` };
    const first = await start(flowId, waId, headers);
    expect(await start(flowId, waId, headers)).toBe(first);
    const run = await finishedRun(waId);
    await new Promise((r) => setTimeout(r, 300));
    expect((await worker.call('get', `/runs?contact=${waId}`)).body.items).toHaveLength(1);
    expect(business.requests).toHaveLength(1);
    expect(await texts(run.id)).toHaveLength(3);
    // [issue 20] One info line per processed job, with what ties it to its event, run and workspace.
    // (Nest's static logger writes to the first app made in this process: read every app's lines.)
    const lines = [connections.logs, fd.logs, worker.logs].flatMap((logs) => logs.lines());
    const done = lines.filter((l) => l.msg === 'trigger event done' && l.eventId === first);
    expect(done).toEqual([
      expect.objectContaining({
        level: 'info',
        jobId: expect.any(String),
        workspaceId: 'ws-a',
        source: 'api',
        outcome: 'applied',
        durationMs: expect.any(Number),
      }),
    ]);
  });

  /** What the lookup flow sends when the API answers "shipped" for this customer. */
  const shippedTo = (customer: string) => [
    'Looking up order A-17…',
    `Order A-17 is shipped (${customer})`,
    'If: success',
  ];

  /** The outbox rows (any state) and the flow-api-calls job of the run's API step's first attempt. */
  async function firstAttemptTraces(runId: string) {
    const db = worker.app.get(DataSource);
    const [logged] = await Tenancy.forWorkspace('ws-a', () =>
      db.query<Array<{ step_key: string }>>(`SELECT step_key FROM worker.call_log WHERE run_id = $1`, [
        runId,
      ]),
    );
    const jobId = jobIdOf('api', logged.step_key, 1);
    const rows = await Tenancy.forWorkspace('ws-a', () =>
      db.query<Array<{ sent_at: Date | null }>>(`SELECT sent_at FROM worker.outbox WHERE job_id = $1`, [
        jobId,
      ]),
    );
    const job = await worker.app.get(Outbox).queue(QueueName.FlowApiCalls).getJob(jobId);
    return { jobId, rows, job };
  }

  it("[issue 18] an API step's first attempt runs in the process that decided it: no flow-api-calls job, its leased outbox row deleted with the result", async () => {
    const { flowId } = await publishLookup((_req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: 'Inline' }),
    );
    const waId = '447700900031';
    await start(flowId, waId);
    const run = await finishedRun(waId);
    expect(await texts(run.id)).toEqual(shippedTo('Inline'));
    const { jobId, rows, job } = await firstAttemptTraces(run.id);
    expect(jobId).toMatch(/^api-.+-1$/);
    expect({ rows, job }).toEqual({ rows: [], job: undefined });
  });

  it('[issue 18] a first attempt whose process died (its lease ran out) becomes a flow-api-calls job: the call is made once, the run answered once', async () => {
    const { flowId } = await publishLookup((_req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: 'Late' }),
    );
    const attempts = worker.app.get(InlineAttempts);
    const config = worker.app.get(WorkerConfig);
    const running = Reflect.get(attempts, 'runner') as Parameters<InlineAttempts['runWith']>[0];
    const lease = config.WORKER_LOCK_DURATION_MS;
    // The process that leased the attempt "dies" before making the call: nothing runs it, nothing is recorded.
    attempts.runWith(async () => undefined);
    config.WORKER_LOCK_DURATION_MS = 1000;
    const waId = '447700900032';
    let leasedId = '';
    try {
      await start(flowId, waId);
      const leased = await until('the leased row', async () => {
        const rows = await Tenancy.forWorkspace('ws-a', () =>
          worker.app
            .get(DataSource)
            .query<Array<{ job_id: string; sent_at: Date | null }>>(
              `SELECT job_id, sent_at FROM worker.outbox WHERE wa_id = $1 AND lease_until IS NOT NULL`,
              [waId],
            ),
        );
        return rows[0];
      });
      expect(leased.sent_at).toBeNull();
      leasedId = leased.job_id;
      expect(business.requests).toHaveLength(0);
      // Before the lease runs out the sweep leaves it alone; after, it sends it as a job.
      await worker.app.get(OutboxSweeper).sweep();
      expect(
        (await worker.app.get(Outbox).queue(QueueName.FlowApiCalls).getJob(leased.job_id)) ?? null,
      ).toBeNull();
      await new Promise((r) => setTimeout(r, 1100));
      await worker.app.get(OutboxSweeper).sweep();
    } finally {
      attempts.runWith(running);
      config.WORKER_LOCK_DURATION_MS = lease;
    }
    const run = await finishedRun(waId);
    expect(await texts(run.id)).toEqual(shippedTo('Late'));
    expect(business.requests).toHaveLength(1);
    const { rows, job } = await firstAttemptTraces(run.id);
    expect(job?.id).toBe(leasedId);
    // Sent as a job, the row lives on like any sent outbox row (kept for a Redis that loses its last writes).
    expect(rows).toEqual([{ sent_at: expect.any(Date) }]);
    expect(job?.data).toMatchObject({ interrupted: 1, attempt: 1 });
    expect(await job?.getState()).toBe('completed');
  });

  it('[issue 18] an API is resolved once for many calls, and an edit is used by calls made a second after its answer', async () => {
    const { flowId, apiId } = await publishLookup((req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: req.url }),
    );
    const client = worker.app.get<{ send: (pattern: string, data: unknown) => unknown }>(RPC_CLIENT);
    const sent = jest.spyOn(client, 'send');
    const resolves = () => sent.mock.calls.filter(([pattern]) => pattern === RpcPattern.ConnectionsResolve);
    try {
      const first = ['447700900041', '447700900042', '447700900043', '447700900044'];
      await Promise.all(first.map((waId) => start(flowId, waId)));
      for (const waId of first)
        expect(await texts((await finishedRun(waId)).id)).toEqual(shippedTo('/orders/A-17'));
      expect(resolves()).toHaveLength(1);
      // Edited: the connections service moves the workspace's generation on before it answers.
      const edit = await connections.call('patch', `/apis/${apiId}`, { path: '/v2/orders/{{order_id}}' });
      expect(edit.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_100));
      const waId = '447700900045';
      await start(flowId, waId);
      expect(await texts((await finishedRun(waId)).id)).toEqual(shippedTo('/v2/orders/A-17'));
      expect(resolves()).toHaveLength(2);
    } finally {
      sent.mockRestore();
    }
  });

  it('[issue 18] a first attempt that cannot run in-process (connections did not answer) goes to the queue at once, not counted as a death', async () => {
    const { flowId } = await publishLookup((_req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: 'Queued' }),
    );
    const rpc = worker.app.get(RpcClients);
    const resolve = jest
      .spyOn(rpc, 'resolveApi')
      .mockRejectedValueOnce(new RpcUnavailableError('connections.resolve: Timeout has occurred'));
    const waId = '447700900034';
    try {
      await start(flowId, waId);
      const run = await finishedRun(waId);
      expect(await texts(run.id)).toEqual(shippedTo('Queued'));
      expect(resolve).toHaveBeenCalledTimes(2); // in-process, refused; then its job
      expect(business.requests).toHaveLength(1);
      const { job } = await firstAttemptTraces(run.id);
      expect(job?.data).toMatchObject({ attempt: 1 });
      expect(job?.data).not.toHaveProperty('interrupted');
      expect(await job?.getState()).toBe('completed');
    } finally {
      resolve.mockRestore();
    }
  });

  it("[issue 18] an answer whose write failed is kept, and the attempt's job applies it without calling the API again", async () => {
    const { flowId } = await publishLookup((_req, res) =>
      sendJson(res, 200, { status: 'shipped', customer: 'Kept' }),
    );
    const write = BatchRepository.write.bind(BatchRepository);
    let failed = false;
    // The fault: the in-process attempt's result (the write that settles its leased row) fails once.
    const writes = jest.spyOn(BatchRepository, 'write').mockImplementation(async (tx, batch) => {
      if (!failed && batch.settledJobIds.length > 0) {
        failed = true;
        throw new Error('the write failed');
      }
      return write(tx, batch);
    });
    const waId = '447700977003';
    try {
      await start(flowId, waId);
      const run = await finishedRun(waId);
      expect(failed).toBe(true);
      expect(await texts(run.id)).toEqual(shippedTo('Kept'));
      // Asked once: the job found the answer kept in the inbox and applied it.
      expect(business.requests).toHaveLength(1);
      const { job } = await firstAttemptTraces(run.id);
      expect(await job?.getState()).toBe('completed');
    } finally {
      writes.mockRestore();
    }
  });

  it('[issue 18] a slow first attempt keeps its lease while it runs: the sweep does not queue it a second time', async () => {
    const { flowId } = await publishLookup((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'shipped', customer: 'Slow' }), 1800);
    });
    const config = worker.app.get(WorkerConfig);
    const lease = config.WORKER_LOCK_DURATION_MS;
    config.WORKER_LOCK_DURATION_MS = 600; // renewed every 200 ms while the call runs
    const waId = '447700900033';
    try {
      await start(flowId, waId);
      await until('the call in flight', async () => business.requests.length === 1);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await worker.app.get(OutboxSweeper).sweep();
      }
    } finally {
      config.WORKER_LOCK_DURATION_MS = lease;
    }
    const run = await finishedRun(waId);
    expect(await texts(run.id)).toEqual(shippedTo('Slow'));
    expect(business.requests).toHaveLength(1);
    const { rows, job } = await firstAttemptTraces(run.id);
    expect({ rows, job }).toEqual({ rows: [], job: undefined });
  });

  it('exposes what it did on /metrics: events, runs by outcome, API latency by connection and outcome, retries, queue wait', async () => {
    // Counts what the tests above did in this process.
    const metrics = (await worker.call('get', '/metrics', null)).text;
    const value = (pattern: RegExp): number => Number(pattern.exec(metrics)?.[1] ?? 0);
    expect(
      value(/flowbridge_trigger_events_total\{[^}]*source="api",outcome="applied"[^}]*\} (\d+)/),
    ).toBeGreaterThanOrEqual(5);
    expect(
      value(/flowbridge_runs_finished_total\{[^}]*status="completed"[^}]*\} (\d+)/),
    ).toBeGreaterThanOrEqual(5);
    expect(
      value(/flowbridge_api_retries_total\{[^}]*connection="[^"]+"[^}]*\} (\d+)/),
    ).toBeGreaterThanOrEqual(3);
    expect(
      value(
        /flowbridge_api_call_duration_seconds_count\{[^}]*connection="[^"]+",outcome="retry"[^}]*\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(3);
    expect(
      value(/flowbridge_queue_wait_seconds_count\{[^}]*queue="flow-api-calls"[^}]*\} (\d+)/),
    ).toBeGreaterThan(0);
    // Queue depth, per queue and state (what the worker autoscaler reads): every partition is listed.
    expect(metrics).toMatch(
      /flowbridge_queue_jobs\{[^}]*queue="flow-triggers\.0",state="waiting"[^}]*\} \d+/,
    );
    expect(metrics).toMatch(
      /flowbridge_queue_jobs\{[^}]*queue="flow-navigation\.3",state="delayed"[^}]*\} \d+/,
    );
    // The navigations the tests emitted wait in their partitions (nothing consumes them here).
    const navigationsWaiting = [
      ...metrics.matchAll(
        /flowbridge_queue_jobs\{[^}]*queue="flow-navigation\.\d+",state="waiting"[^}]*\} (\d+)/g,
      ),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
    expect(navigationsWaiting).toBe((await worker.navigations()).length);
  });

  it('GET /runs/:id belongs to its workspace; bad ids are 404', async () => {
    const list = await worker.call('get', '/runs?contact=447700900001');
    const id = list.body.items[0].id as string;
    expect((await worker.call('get', `/runs/${id}`, null)).status).toBe(401);
    expect((await worker.call('get', '/runs/not-a-uuid')).status).toBe(404);
    expect((await worker.call('get', `/runs/${randomUUID()}`)).body.code).toBe('RUN_NOT_FOUND');
    expect((await worker.call('get', '/runs?contact=12')).status).toBe(400);
  });

  describe('messages from the contact (as the messaging service enqueues them)', () => {
    let clock = Date.now();

    /** Enqueues a message; `tick: false` keeps the previous timestamp (WhatsApp's have one-second precision). */
    async function say(waId: string, message: TriggerMessage, tick = true): Promise<void> {
      if (tick) clock += 1000;
      await fd.app.get(TriggerProducer).enqueue({
        version: 1,
        eventId: randomUUID(),
        workspaceId: 'ws-a',
        channelId: CHANNEL,
        contact: { waId, name: 'Ana' },
        occurredAt: new Date(clock).toISOString(),
        source: { type: 'message', messageId: `wamid.${randomUUID()}`, message },
      });
    }
    const text = (t: string): TriggerMessage => ({ kind: 'text', text: t });

    async function runOf(waId: string, where: (run: { status: string; screenId: string }) => boolean) {
      return until(`a run of ${waId} to reach the expected state`, async () => {
        const list = await worker.call('get', `/runs?contact=${waId}`);
        const found = (list.body.items as Array<{ id: string; status: string; screenId: string }>).find(
          where,
        );
        return found && (await worker.call('get', `/runs/${found.id}`)).body;
      });
    }

    async function publish(flow: Omit<FlowDocument, 'schemaVersion'>): Promise<string> {
      const created = await fd.call('post', '/flows', flow);
      expect(created.body.problems).toEqual([]);
      expect((await fd.call('post', `/flows/${created.body.id}/publish`)).status).toBe(201);
      return created.body.id as string;
    }

    it('[issue 17] refuses trigger and API-call jobs that no Flowbridge service signed; no run starts, no call is made', async () => {
      const { apiId } = await publishLookup((_req, res) => sendJson(res, 200, { status: 'shipped' }));
      const echo = await publish(echoFlow(`forged${randomBytes(3).toString('hex')}`));
      expect(echo).toBeTruthy();
      const waId = '447700900077';
      const calls = arrivals.length;
      const prefix = worker.config.QUEUE_PREFIX;
      const connection = redisOptionsFromUrl(testRedisUrl());
      const partition = contactPartition(
        { workspaceId: 'ws-a', channelId: CHANNEL, waId },
        worker.config.TRIGGER_PARTITIONS,
      );
      const triggers = new Queue(triggerQueue(partition), { prefix, connection });
      const apiCalls = new Queue(QueueName.FlowApiCalls, { prefix, connection });
      try {
        const event = {
          version: 1,
          eventId: randomUUID(),
          workspaceId: 'ws-a',
          channelId: CHANNEL,
          contact: { waId },
          occurredAt: new Date().toISOString(),
          source: { type: 'message', messageId: `wamid.${randomUUID()}`, message: text('hello') },
        };
        await triggers.add(TriggerJobName.TriggerEvent, event, { jobId: event.eventId });
        const wrongKey = new JobAuth('not-the-internal-key-of-this-deployment-000');
        const other = { ...event, eventId: randomUUID() };
        await triggers.add(
          TriggerJobName.TriggerEvent,
          wrongKey.sign(triggers.name, TriggerJobName.TriggerEvent, other.eventId, other),
          { jobId: other.eventId },
        );
        const call = {
          version: 1,
          contact: { workspaceId: 'ws-a', channelId: CHANNEL, waId },
          runId: randomUUID(),
          apiId,
          key: 'forged',
          attempt: 1,
          countedAttempts: 1,
          startedAt: Date.now(),
        };
        const forgedCallId = `forged-${randomUUID()}`;
        await apiCalls.add('api-call.v1', call, { jobId: forgedCallId });
        await until('the forged jobs to fail', async () =>
          (await triggers.getFailedCount()) >= 2 && (await apiCalls.getFailedCount()) >= 1 ? true : false,
        );
        expect((await worker.call('get', `/runs?contact=${waId}`)).body.items).toEqual([]);
        expect(arrivals.length).toBe(calls);
        const failed = [...(await triggers.getFailed()), ...(await apiCalls.getFailed())];
        expect(failed.map((j) => j.failedReason).sort()).toEqual([
          'job refused: bad_signature',
          'job refused: unsigned',
          'job refused: unsigned',
        ]);
        expect(failed.map((j) => j.attemptsMade)).toEqual([1, 1, 1]);
        // Nest's static logger goes to the first app made in this process: read every app's lines.
        const refused = [connections.logs, fd.logs, worker.logs]
          .flatMap((logs) => logs.lines())
          .filter((l) => l.msg === 'job refused')
          .filter((l) => [event.eventId, other.eventId, forgedCallId].includes(l.jobId as string));
        expect(refused.map((l) => l.refusal).sort()).toEqual(['bad_signature', 'unsigned', 'unsigned']);
        const metrics = (await worker.request().get('/metrics')).text;
        expect(metrics).toMatch(
          /flowbridge_jobs_refused_total\{queue="flow-api-calls",reason="unsigned"[^}]*\} 1/,
        );
      } finally {
        await triggers.close();
        await apiCalls.close();
      }
    });

    it("the page's walkthrough: keyword, the order number, the API, First Screen or Sample Screen, the If", async () => {
      const { apiId } = await publishLookup((req, res) =>
        req.url.endsWith('/FAIL')
          ? sendJson(res, 503, { error: 'down' })
          : sendJson(res, 200, { status: 'shipped', orderId: req.url.split('/').pop() }),
      );
      const page = pageExampleFlow(apiId);
      const { schemaVersion: _v, ...flow } = page;
      await publish({ ...flow, name: `Order status ${randomUUID().slice(0, 8)}` });

      const ok = '447700900011';
      await say(ok, text('Where is my order?'));
      await runOf(ok, (r) => r.screenId === 'welcome' && r.status === 'waiting_input');
      await say(ok, text('A-17'));
      await runOf(ok, (r) => r.screenId === 'first_screen');
      await say(ok, { kind: 'choice', id: 'agent', title: 'Talk to us' });
      const done = await runOf(ok, (r) => r.status === 'completed');
      expect(await texts(done.id)).toEqual([
        'Hi Ana! Send your order number.',
        'Order A-17 is shipped. Anything else?',
        'An agent will call you about order A-17.',
      ]);

      const failing = '447700900012';
      await say(failing, text('status'));
      await runOf(failing, (r) => r.screenId === 'welcome' && r.status === 'waiting_input');
      await say(failing, text('FAIL'));
      await runOf(failing, (r) => r.screenId === 'sample_screen');
      await say(failing, text('2'));
      const failed = await runOf(failing, (r) => r.status === 'completed');
      expect(await texts(failed.id)).toEqual([
        'Hi Ana! Send your order number.',
        'Sorry, we could not look up order FAIL right now.',
        'An agent will call you shortly.',
      ]);
      expect(failed.callLog).toHaveLength(3);
    });

    it('re-prompts on a reply that does not fit the input, then goes on', async () => {
      const word = `qty-${randomUUID().slice(0, 8)}`;
      await publish({
        name: `Quantity ${word}`,
        triggers: [{ type: 'keyword', keywords: [word], match: 'exact' }],
        startScreen: 'ask',
        variables: [],
        screens: [
          {
            id: 'ask',
            messages: [{ type: 'text', text: 'How many?' }],
            input: { variable: 'qty', type: 'number', reprompt: 'A number, please.' },
            actions: [{ type: 'navigate', to: 'done' }],
          },
          { id: 'done', messages: [{ type: 'text', text: '{{qty}} items' }], actions: [{ type: 'end' }] },
        ],
      });
      const waId = '447700900013';
      await say(waId, text(word));
      await say(waId, text('lots'));
      await say(waId, text(' 3 '));
      const run = await runOf(waId, (r) => r.status === 'completed');
      expect(await texts(run.id)).toEqual(['How many?', 'A number, please.', '3 items']);
    });

    it('20 messages of one contact enqueued at once are applied in order, each answered once', async () => {
      const word = `echo-${randomUUID().slice(0, 8)}`;
      await publish(echoFlow(word));
      const waId = '447700900014';
      await say(waId, text(word));
      // All in one burst and within one second: only the queue's order tells them apart.
      await Promise.all(Array.from({ length: 20 }, (_, i) => say(waId, text(`m${i + 1}`), i === 0)));
      const run = await runOf(waId, (r) => r.status === 'waiting_input');
      const expected = ['got -', ...Array.from({ length: 20 }, (_, i) => `got m${i + 1}`)];
      await until('21 navigations', async () => (await texts(run.id)).length === 21);
      expect(await texts(run.id)).toEqual(expected);
    });

    it("[issue 18] a batch's jobs are queued straight after its commit; a contact with an older job still unsent gets that one first (the flush)", async () => {
      const word = `relay-${randomUUID().slice(0, 8)}`;
      await publish(echoFlow(word));
      const outbox = worker.app.get(Outbox);
      const db = worker.app.get(DataSource);
      const waId = '447700900051';
      const rows = () =>
        Tenancy.forWorkspace('ws-a', () =>
          db.query<Array<{ id: string; job_id: string; queue: string; sent_at: Date | null }>>(
            `SELECT id, job_id, queue, sent_at FROM worker.outbox WHERE wa_id = $1 ORDER BY id`,
            [waId],
          ),
        );
      const flush = jest.spyOn(outbox, 'flush');
      const flushedFor = () => flush.mock.calls.some(([, contacts]) => contacts.some((c) => c.waId === waId));
      try {
        await say(waId, text(word));
        const run = await runOf(waId, (r) => r.status === 'waiting_input');
        await until('the first answer', async () => (await texts(run.id)).length === 1);
        const [first] = await until('its row marked sent', async () => {
          const written = await rows();
          return written.length === 1 && written[0].sent_at !== null && written;
        });
        expect(flushedFor()).toBe(false);

        // As another worker leaves it that committed the row and has not queued it yet (or died before): unsent,
        // its job not in the queue.
        const queue = outbox.queue(first.queue);
        await queue.remove(first.job_id);
        await Tenancy.forWorkspace('ws-a', () =>
          db.query(`UPDATE worker.outbox SET sent_at = NULL WHERE id = $1`, [first.id]),
        );
        await say(waId, text('again'));
        const both = await until('the second row marked sent', async () => {
          const written = await rows();
          return written.length === 2 && written[1].sent_at !== null && written;
        });
        // The older row went first, by the flush, before the sweep (10 s) could have taken it.
        expect(both[0].sent_at).not.toBeNull();
        expect(flushedFor()).toBe(true);
        const queued = await queue.getJobs(['waiting'], 0, -1, true);
        const mine = queued.map((j) => j.id).filter((id) => both.some((r) => r.job_id === id));
        expect(mine).toEqual(both.map((r) => r.job_id));
        expect(await texts(run.id)).toEqual(['got -', 'got again']);
      } finally {
        flush.mockRestore();
      }
    });

    it('[issue 18] group commit: 40 contacts at once share transactions; a flow that cannot be loaded fails only its own event', async () => {
      const metric = async (name: string) =>
        Number(
          new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(
            (await worker.call('get', '/metrics', null)).text,
          )?.[1] ?? 0,
        );
      const word = `group-${randomUUID().slice(0, 8)}`;
      await publish(echoFlow(word));
      const broken = `broken-${randomUUID().slice(0, 8)}`;
      const brokenFlow = await publish(echoFlow(broken));
      const rpc = worker.app.get(RpcClients);
      const load = rpc.flowVersion.bind(rpc);
      // The fault: flow-definition cannot give one flow's version (not cached yet); every other flow loads.
      const versions = jest.spyOn(rpc, 'flowVersion').mockImplementation(async (ws, flowId, version) => {
        if (flowId === brokenFlow) throw new RpcUnavailableError('flows.version: Timeout has occurred');
        return load(ws, flowId, version);
      });
      const batches = await metric('flowbridge_worker_batch_size_count');
      const items = await metric('flowbridge_worker_batch_size_sum');
      const contacts = Array.from({ length: 40 }, (_, i) => `4477009102${String(i).padStart(2, '0')}`);
      const stuck = '447700910299';
      try {
        await Promise.all([
          ...contacts.map((waId) => say(waId, text(word), false)),
          say(stuck, text(broken), false),
        ]);
        for (const waId of contacts) {
          const run = await runOf(waId, (r) => r.status === 'waiting_input');
          await until(`${waId} answered`, async () => (await texts(run.id)).length === 1);
          expect(await texts(run.id)).toEqual(['got -']);
        }
        // Written together: fewer transactions than the events they carried.
        const written = (await metric('flowbridge_worker_batch_size_sum')) - items;
        const transactions = (await metric('flowbridge_worker_batch_size_count')) - batches;
        expect(written).toBeGreaterThanOrEqual(41);
        expect(transactions).toBeLessThan(written);
        // The broken flow's event failed alone: no run yet, kept as pending in its contact's inbox.
        expect((await worker.call('get', `/runs?contact=${stuck}`)).body.items).toEqual([]);
        const db = worker.app.get(DataSource);
        const [pending] = await Tenancy.forWorkspace('ws-a', () =>
          db.query<Array<{ n: string }>>(
            `SELECT count(*) AS n FROM worker.inbox WHERE wa_id = $1 AND applied_at IS NULL`,
            [stuck],
          ),
        );
        expect(Number(pending.n)).toBe(1);
      } finally {
        versions.mockRestore();
      }
      // Once the flow loads again, the job's retry applies it.
      const run = await runOf(stuck, (r) => r.status === 'waiting_input');
      await until(`${stuck} answered`, async () => (await texts(run.id)).length === 1);
    });

    it('an event that could not be applied (flow-definition did not answer) is applied before the next one', async () => {
      const word = `later-${randomUUID().slice(0, 8)}`;
      await publish(echoFlow(word));
      // The fault: the first trigger lookup times out, as when flow-definition is restarting.
      const rpc = worker.app.get(RpcClients);
      const lookup = jest
        .spyOn(rpc, 'activeTriggers')
        .mockRejectedValueOnce(new RpcUnavailableError('flows.active-triggers: Timeout has occurred'));
      const waId = '447700900019';
      await say(waId, text(word));
      await until('the failed attempt', async () => lookup.mock.calls.length > 0);
      // The keyword's job now waits a second for its retry; the reply comes before that and must not overtake.
      await say(waId, text('m1'));
      const run = await runOf(waId, (r) => r.status === 'waiting_input');
      await until('2 navigations', async () => (await texts(run.id)).length === 2);
      await new Promise((r) => setTimeout(r, 1500)); // the keyword's retry comes back: a duplicate by then
      expect(await texts(run.id)).toEqual(['got -', 'got m1']);
      expect((await worker.call('get', `/runs?contact=${waId}`)).body.items).toHaveLength(1);
      lookup.mockRestore();
    });

    it('an event kept as pending after its write failed is recorded under its contact lock, never beside a write of that contact', async () => {
      // The race this closes: an in-process API attempt's result fails to write while the retry's job (its lease
      // ran out) writes the same result. Recorded without the lock, the kept row could commit after that batch
      // read the contact's pending events and before its own insert met the row: neither would apply the event.
      const drainer = worker.app.get(ContactDrainer);
      const db = worker.app.get(DataSource);
      const contact = { workspaceId: 'ws-a', channelId: CHANNEL, waId: '447700977001' };
      const eventId = `expire-${randomUUID()}`;
      const lock = BatchRepository.lock.bind(BatchRepository);
      let failed = false;
      const locks = jest.spyOn(BatchRepository, 'lock').mockImplementation(async (tx, contacts) => {
        if (!failed && contacts.some((c) => c.waId === contact.waId)) {
          failed = true;
          throw new Error('the batch failed');
        }
        return lock(tx, contacts);
      });
      const rows = () =>
        Tenancy.forWorkspace('ws-a', () =>
          db.query<Array<{ applied_at: Date | null }>>(
            `SELECT applied_at FROM worker.inbox WHERE event_id = $1`,
            [eventId],
          ),
        );
      const waiters = async () =>
        Number(
          (
            await db.query<Array<{ n: string }>>(
              `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database =
                 (SELECT oid FROM pg_database WHERE datname = current_database())`,
            )
          )[0].n,
        );
      // The contact's lock, held as a batch of that contact holds it.
      const holder = db.createQueryRunner();
      await holder.connect();
      try {
        await holder.startTransaction();
        await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('worker-contact:' || $1, 0))`, [
          `${contact.workspaceId}/${contact.channelId}/${contact.waId}`,
        ]);
        const before = await waiters();
        const write = drainer
          .submit({
            contact,
            entry: {
              eventId,
              contact,
              occurredAt: new Date().toISOString(),
              event: { kind: 'expire', runId: randomUUID() },
            },
          })
          .catch((error: Error) => error);
        await until(
          'the failed write keeping its event, waiting for the lock',
          async () => (await waiters()) > before,
        );
        expect(await rows()).toEqual([]);
        await holder.commitTransaction();
        expect(await write).toEqual(new Error('the batch failed'));
        expect(await rows()).toEqual([{ applied_at: null }]);
      } finally {
        locks.mockRestore();
        await holder.release();
      }
    });

    it('an event left pending with nothing to retry it (its job gone) is applied by the pending sweep, once', async () => {
      const word = `stranded-${randomUUID().slice(0, 8)}`;
      await publish(echoFlow(word));
      const db = worker.app.get(DataSource);
      const contact = { workspaceId: 'ws-a', channelId: CHANNEL, waId: '447700977002' };
      const event = {
        version: 1 as const,
        eventId: randomUUID(),
        workspaceId: contact.workspaceId,
        channelId: contact.channelId,
        contact: { waId: contact.waId, name: 'Ana' },
        occurredAt: new Date().toISOString(),
        source: { type: 'message' as const, messageId: `wamid.${randomUUID()}`, message: text(word) },
      };
      // As a failed write leaves it (kept pending), with its job then lost: nothing else would ever apply it.
      await Tenancy.forWorkspace('ws-a', () =>
        db.transaction((tx) =>
          InboxRepository.record(
            tx,
            [
              {
                eventId: event.eventId,
                contact,
                occurredAt: event.occurredAt,
                event: { kind: 'trigger', event },
              },
            ],
            () => false,
          ),
        ),
      );
      const sweeper = worker.app.get(PendingSweeper);
      const redriven = async () =>
        Number(
          /^flowbridge_worker_pending_redriven_total(?:\{[^}]*\})? (\d+)$/m.exec(
            (await worker.call('get', '/metrics', null)).text,
          )?.[1] ?? 0,
        );
      const before = await redriven();
      // Within the grace its own job may still come back: left alone.
      await sweeper.sweep();
      expect((await worker.call('get', `/runs?contact=${contact.waId}`)).body.items).toEqual([]);
      expect(await sweeper.sweep(0)).toBeGreaterThanOrEqual(1);
      expect(await redriven()).toBeGreaterThan(before);
      const run = await runOf(contact.waId, (r) => r.status === 'waiting_input');
      await until('the answer', async () => (await texts(run.id)).length === 1);
      // Applied: a second sweep finds nothing of this contact's to apply, and nothing is answered twice.
      await sweeper.sweep(0);
      const [row] = await Tenancy.forWorkspace('ws-a', () =>
        db.query<Array<{ applied_at: Date | null }>>(
          `SELECT applied_at FROM worker.inbox WHERE event_id = $1`,
          [event.eventId],
        ),
      );
      expect(row.applied_at).not.toBeNull();
      // Nothing left to drain for it: not counted again.
      expect(await worker.app.get(ContactDrainer).drain(contact)).toBe(false);
      expect(await texts(run.id)).toEqual(['got -']);
      expect((await worker.call('get', `/runs?contact=${contact.waId}`)).body.items).toHaveLength(1);
    });

    it('matches messages from cached triggers: no RPC per message; a publish is seen by the very next message', async () => {
      const rpc = worker.app.get(RpcClients);
      const fetches = jest.spyOn(rpc, 'activeTriggers');
      try {
        const first = `cache-a-${randomUUID().slice(0, 8)}`;
        await publish(echoFlow(first));
        const contacts = ['447700900031', '447700900032', '447700900033'];
        await say(contacts[0], text(first));
        await runOf(contacts[0], (r) => r.status === 'waiting_input');
        const afterFirst = fetches.mock.calls.length;
        expect(afterFirst).toBe(1);
        // Same channel, same workspace, nothing published since: matched from the cache.
        await say(contacts[1], text(first));
        await runOf(contacts[1], (r) => r.status === 'waiting_input');
        expect(fetches.mock.calls.length).toBe(afterFirst);
        // A flow published just now starts on the next message (the generation moved on before publish answered).
        const second = `cache-b-${randomUUID().slice(0, 8)}`;
        await publish(echoFlow(second));
        await say(contacts[2], text(second));
        const run = await runOf(contacts[2], (r) => r.status === 'waiting_input');
        expect(await texts(run.id)).toEqual(['got -']);
        expect(fetches.mock.calls.length).toBe(afterFirst + 1);
      } finally {
        fetches.mockRestore();
      }
    });

    it('a deactivated version still finishes the runs on it; new messages start nothing', async () => {
      const word = `late-${randomUUID().slice(0, 8)}`;
      const flowId = await publish({
        name: `Late ${word}`,
        triggers: [{ type: 'keyword', keywords: [word], match: 'exact' }],
        startScreen: 'ask',
        variables: [],
        screens: [
          {
            id: 'ask',
            messages: [{ type: 'text', text: 'Name?' }],
            input: { variable: 'name', type: 'string' },
            actions: [{ type: 'navigate', to: 'bye' }],
          },
          { id: 'bye', messages: [{ type: 'text', text: 'Bye {{name}}' }], actions: [{ type: 'end' }] },
        ],
      });
      const waId = '447700900015';
      await say(waId, text(word));
      await runOf(waId, (r) => r.status === 'waiting_input');
      expect((await fd.call('post', `/flows/${flowId}/deactivate`)).status).toBe(200);
      await say(waId, text('Ana'));
      const run = await runOf(waId, (r) => r.status === 'completed');
      expect(await texts(run.id)).toEqual(['Name?', 'Bye Ana']);
      await say(waId, text(word));
      await new Promise((r) => setTimeout(r, 500));
      expect((await worker.call('get', `/runs?contact=${waId}`)).body.items).toHaveLength(1);
    });

    it('an idle run expires, by the sweep or when the contact writes again', async () => {
      const word = `idle-${randomUUID().slice(0, 8)}`;
      await publish({
        name: `Idle ${word}`,
        triggers: [{ type: 'keyword', keywords: [word], match: 'exact' }],
        startScreen: 'ask',
        variables: [],
        screens: [
          {
            id: 'ask',
            messages: [{ type: 'text', text: 'Still there?' }],
            input: { variable: 'x', type: 'string' },
            actions: [{ type: 'end' }],
          },
        ],
      });
      const db = new DataSource({ type: 'postgres', url: worker.db.url });
      await db.initialize();
      const age = (waId: string) =>
        db.query(`UPDATE worker.runs SET expires_at = now() - interval '1 second' WHERE wa_id = $1`, [waId]);
      try {
        const swept = '447700900016';
        await say(swept, text(word));
        await runOf(swept, (r) => r.status === 'waiting_input');
        await age(swept);
        expect(await worker.app.get(ExpirySweeper).sweep()).toBeGreaterThanOrEqual(1);
        const expired = await runOf(swept, (r) => r.status === 'expired');
        expect(expired.endReason).toBe('EXPIRED');

        const lazy = '447700900017';
        await say(lazy, text(word));
        await runOf(lazy, (r) => r.status === 'waiting_input');
        await age(lazy);
        await say(lazy, text(word));
        await until('a second run', async () => {
          const items = (await worker.call('get', `/runs?contact=${lazy}`)).body.items as Array<{
            status: string;
          }>;
          return (
            items.length === 2 &&
            items
              .map((i) => i.status)
              .sort()
              .join() === 'expired,waiting_input'
          );
        });
      } finally {
        await db.destroy();
      }
    });

    it('a chain longer than the step bound ends the run with LOOP_LIMIT', async () => {
      const screens = Array.from({ length: 120 }, (_, i) => ({
        id: `s${i}`,
        messages: [],
        actions: i < 119 ? [{ type: 'navigate' as const, to: `s${i + 1}` }] : [{ type: 'end' as const }],
      }));
      const flowId = await publish({
        name: `Chain ${randomUUID().slice(0, 8)}`,
        triggers: [{ type: 'api' }],
        startScreen: 's0',
        variables: [],
        screens,
      });
      const waId = '447700900018';
      await fd.call('post', `/flows/${flowId}/runs`, { channelId: CHANNEL, contact: { waId } });
      const run = await runOf(waId, (r) => r.status === 'failed');
      expect(run.endReason).toBe('LOOP_LIMIT');
    });
  });
});
