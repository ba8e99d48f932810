import { randomBytes, randomUUID } from 'node:crypto';
import type { FlowDocument } from '@flowbridge/flow-engine';
import { HttpPeer, sendJson } from '@flowbridge/testing';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { type FlowDefinitionHarness, startFlowDefinition } from './flow-definition-app';
import { startWorker, type WorkerHarness } from './worker-app';

const CHANNEL = '5f1b7c9e-3a2d-4e8f-9b6a-1c2d3e4f5a6b';

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

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
    connections = await startConnections('worker-conn', { rpc: true });
    const queuePrefix = `fbtest-worker-${randomBytes(4).toString('hex')}`;
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
  });

  it('failure: 500 on every attempt → exactly 3 attempts with growing delays, then the failure screen', async () => {
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

  it('400 → one attempt, then the failure screen', async () => {
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

  it('429 with Retry-After: 2 → the next attempt no sooner than 2 s later', async () => {
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

  it('the same trigger event delivered twice is one run', async () => {
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
  });

  it('GET /runs/:id belongs to its workspace; bad ids are 404', async () => {
    const list = await worker.call('get', '/runs?contact=447700900001');
    const id = list.body.items[0].id as string;
    expect((await worker.call('get', `/runs/${id}`, null)).status).toBe(401);
    expect((await worker.call('get', '/runs/not-a-uuid')).status).toBe(404);
    expect((await worker.call('get', `/runs/${randomUUID()}`)).body.code).toBe('RUN_NOT_FOUND');
    expect((await worker.call('get', '/runs?contact=12')).status).toBe(400);
  });
});
