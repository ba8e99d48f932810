import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdminClient,
  AdminApiError,
  createAdminClient,
  must,
  type Schemas,
} from '@flowbridge/api-client';
import {
  type CollectedSpan,
  createTestDatabase,
  OtlpCollector,
  type TestDatabase,
  testRedisUrl,
  until,
} from '@flowbridge/testing';
import { type DemoApi, startDemoApi } from '../tools/demo-api/src/demo-api';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import {
  entry,
  migrateServices,
  newKey,
  ROOT,
  runToEnd,
  ServiceProcess,
  type ServiceName,
} from './service-process';

const PATIENT = { timeoutMs: 30_000, everyMs: 100 };

// The whole system as deployed: the four services as separate OS processes (two workers) on one database
// and Redis, the sandbox as the Cloud API and the demo business API on 127.0.0.1. Everything goes through
// public interfaces: the admin REST API, signed webhooks in (the sandbox's contact), the sandbox's received
// messages out.
describe('end to end (services as processes, the sandbox as WhatsApp)', () => {
  let db: TestDatabase;
  let sandbox: Sandbox;
  let demo: DemoApi;
  /** Every service exports its spans here (OTLP over HTTP): the step's trace is read from it. */
  let collector: OtlpCollector;
  const started: ServiceProcess[] = [];
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const prefix = `fbtest-e2e-${randomBytes(4).toString('hex')}`;
  const number = {
    phoneNumberId: '190000000000001',
    displayPhoneNumber: '15550001111',
    wabaId: '290000000000001',
    appSecret: `e2e-secret-${randomBytes(8).toString('hex')}`,
  };
  /** Workspace B's number (the import's round trip). */
  const numberB = {
    phoneNumberId: '190000000000002',
    displayPhoneNumber: '15550002222',
    wabaId: '290000000000002',
    appSecret: `e2e-secret-b-${randomBytes(8).toString('hex')}`,
  };
  let connections: ServiceProcess;
  let flows: ServiceProcess;
  let workers: ServiceProcess[];
  let messaging: ServiceProcess;
  let apiId: string;
  let flowId: string;
  let contacts = 0;
  const newContact = () => String(447900100000 + ++contacts);

  const env = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: testRedisUrl(),
    RPC_NAMESPACE: prefix,
    QUEUE_PREFIX: prefix,
    TRIGGER_PARTITIONS: '4',
    NAVIGATION_PARTITIONS: '4',
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-e2e',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    ENCRYPTION_KEYS: `k1:${encryptionKey}`,
    GRAPH_API_BASE_URL: sandbox.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  const encryptionKey = newKey();

  async function startService(service: ServiceName): Promise<ServiceProcess> {
    const proc = await ServiceProcess.launch(service, env());
    started.push(proc);
    await proc.ready();
    return proc;
  }

  /**
   * The generated admin client (libs/api-client) on the four services, the worker's routes on `worker`, acting
   * with `key` (workspace ws-e2e's unless another is given).
   */
  const adminApi = (worker: ServiceProcess, key = adminKey): AdminClient =>
    createAdminClient({
      adminKey: key,
      baseUrl: {
        connections: connections.url(''),
        'flow-definition': flows.url(''),
        'whatsapp-messaging': messaging.url(''),
        worker: worker.url(''),
      },
    });
  let api: AdminClient;

  /** What the contact has been sent so far, as text (button titles after the body). */
  const seen = (waId: string) =>
    sandbox.sentTo(waId).map((e) => {
      const m = e.message as {
        text?: { body: string };
        interactive?: { body: { text: string }; action: { buttons?: Array<{ reply: { title: string } }> } };
      };
      return m.text?.body ?? m.interactive!.body.text;
    });
  const received = (waId: string, count: number) =>
    until(
      `${count} messages to ${waId}`,
      async () => sandbox.sentTo(waId).length >= count && seen(waId),
      PATIENT,
    );

  beforeAll(async () => {
    if (!existsSync(entry('worker')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    db = await createTestDatabase('e2e');
    await migrateServices(
      db.url,
      ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'],
      db.appUrl,
    );
    demo = await startDemoApi();
    collector = await new OtlpCollector().start();
    sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers: [number, numberB] });
    [connections, flows, workers, messaging] = await Promise.all([
      startService('connections'),
      startService('flow-definition'),
      Promise.all([startService('worker'), startService('worker')]),
      startService('whatsapp-messaging'),
    ]);
    sandbox.options.webhookUrl = messaging.url('/webhooks/whatsapp');
    api = adminApi(workers[0]);
  }, 90_000);

  afterAll(async () => {
    for (const p of started) p.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exited));
    await sandbox?.close();
    await demo?.close();
    await collector?.stop();
    await db?.drop();
  }, 60_000);

  it("the page's set-up: connection, API, channel; validation refuses a flow without a failure screen; publish", async () => {
    const connection = must(
      await api.POST('/connections', {
        body: {
          title: 'Customer API',
          baseUrl: demo.url,
          retry: { attempts: 2, backoff: 'fixed', delayMs: 200, maxDelayMs: 200 },
        },
      }),
    );
    const created = must(
      await api.POST('/apis', {
        body: {
          name: 'Fetch API Data',
          connectionId: connection.id,
          method: 'GET',
          path: '/orders/{{order_id}}',
        },
      }),
    );
    apiId = created.id;
    const channel = await api.POST('/channels', {
      body: { ...number, accessToken: 'EAAG-e2e', verifyToken: 'e2e-verify' },
    });
    expect(channel.response.status).toBe(201);
    expect(channel.data?.accessToken).not.toContain('EAAG-e2e');

    const document = JSON.parse(
      readFileSync(join(ROOT, 'examples/order-status-flow.json'), 'utf8').replaceAll('API_ID', apiId),
    ) as Schemas['CreateFlowDto'];
    const broken = structuredClone(document);
    delete (broken.screens![0].actions![0] as { onFailure?: string }).onFailure;
    const draft = must(
      await api.POST('/flows', { body: { ...broken, name: 'Order status (no failure screen)' } }),
    );
    expect(draft.problems.map((p) => p.code)).toContain('MISSING_FAILURE_SCREEN');
    const refused = await api.POST('/flows/{id}/publish', { params: { path: { id: draft.id } } });
    expect(refused.response.status).toBe(422);
    expect(() => must(refused)).toThrow(AdminApiError);
    expect(refused.error).toMatchObject({
      code: 'FLOW_INVALID',
      problems: expect.arrayContaining([expect.objectContaining({ code: 'MISSING_FAILURE_SCREEN' })]),
    });

    const flow = must(await api.POST('/flows', { body: document }));
    expect(flow.problems).toEqual([]);
    const published = must(await api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }));
    expect(published).toMatchObject({ version: 1, active: true });
    flowId = flow.id;
  });

  it("a contact's message triggers the call; First Screen arrives with the response data; the If takes its success branch", async () => {
    const waId = newContact();
    expect((await sandbox.say(waId, 'What is my order status?', { name: 'Ada' })).webhookStatus).toBe(200);
    expect(await received(waId, 1)).toEqual(['Hi Ada! Send your order number.']);
    await sandbox.say(waId, 'A-1001');
    const [, firstScreen] = await received(waId, 2);
    const truth = (await (await fetch(`${demo.url}/orders/A-1001`)).json()) as { status: string };
    expect(firstScreen).toBe(`Order A-1001 is ${truth.status}. Anything else?`);
    expect(demo.calls.filter((c) => c.path === '/orders/A-1001')).toHaveLength(2); // the flow's, and ours just now
    await sandbox.tap(waId, 'Talk to us');
    expect((await received(waId, 3))[2]).toBe('An agent will call you about order A-1001.');
  });

  it('[issue 20] one step is one trace: webhook → trigger → API call → its result → navigation → send, across the services', async () => {
    const waId = newContact();
    await sandbox.say(waId, 'order status');
    await received(waId, 1);
    await sandbox.say(waId, 'A-1002');
    await received(waId, 2);
    const [run] = must(await api.GET('/runs', { params: { query: { contact: waId } } })).items;

    // The step the order number started: found by its API call, then every span of its trace.
    const chain = [
      'whatsapp.webhook',
      'flow.trigger',
      'api.call',
      'flow.api_result',
      'flow.navigation',
      'whatsapp.send',
    ];
    const spans = await until(
      "the step's six spans",
      async () => {
        const call = collector.spans.find(
          (s) => s.name === 'api.call' && s.attributes['flowbridge.run_id'] === run.id,
        );
        const trace = call ? collector.trace(call.traceId) : [];
        return chain.every((name) => trace.some((s) => s.name === name)) && trace;
      },
      PATIENT,
    );
    const byName = (name: string) => spans.filter((s) => s.name === name);
    const one = (name: string): CollectedSpan => {
      expect(byName(name)).toHaveLength(1);
      return byName(name)[0];
    };
    // Each hop a child of the one before, and each span from the service that did the work.
    const [webhook, trigger, call, result, navigation, send] = chain.map(one);
    expect(webhook.parentSpanId).toBeUndefined();
    expect(
      [trigger, call, result, navigation, send].map(
        (s, i) => s.parentSpanId === [webhook, trigger, call, result, navigation][i].spanId,
      ),
    ).toEqual([true, true, true, true, true]);
    expect([webhook, trigger, call, result, navigation, send].map((s) => s.service)).toEqual([
      'flowbridge-whatsapp-messaging',
      'flowbridge-worker',
      'flowbridge-worker',
      'flowbridge-worker',
      'flowbridge-whatsapp-messaging',
      'flowbridge-whatsapp-messaging',
    ]);
    expect(call.attributes).toMatchObject({ 'flowbridge.api_id': apiId, 'flowbridge.outcome': 'success' });
    // The call's span is the call (resolving the API and the HTTP attempt): writing its outcome is its result's.
    expect(call.endMs).toBeLessThanOrEqual(result.startMs);
    expect(send.attributes).toMatchObject({ 'flowbridge.outcome': 'sent' });
    expect(webhook.attributes).toMatchObject({ 'flowbridge.messages': 1 });
    // Nothing of the contact or the order leaves in a span.
    expect(JSON.stringify(spans)).not.toMatch(new RegExp(`${waId}|A-1002`));
  });

  it('the API failing sends Sample Screen, and the If takes its other branch; GET /runs/:id shows the call log', async () => {
    const waId = newContact();
    await sandbox.say(waId, 'order status');
    await received(waId, 1);
    demo.failing = -1;
    try {
      await sandbox.say(waId, 'B-2');
      expect((await received(waId, 2))[1]).toBe('Sorry, we could not look up order B-2 right now.');
    } finally {
      demo.failing = 0;
    }
    await sandbox.tap(waId, 'Talk to us');
    expect((await received(waId, 3))[2]).toBe('An agent will call you shortly.');

    // Either worker answers for the workspace's runs.
    const runs = must(await api.GET('/runs', { params: { query: { contact: waId } } }));
    const run = must(
      await adminApi(workers[1]).GET('/runs/{id}', { params: { path: { id: runs.items[0].id } } }),
    );
    expect(run.status).toBe('completed');
    const log = run.callLog;
    // Both attempts of the connection's retry policy, each answered 503.
    expect(log.map((c) => [c.attempt, c.statusCode, c.apiId])).toEqual([
      [1, 503, apiId],
      [2, 503, apiId],
    ]);
    expect(log[0].url).toBe(`${demo.url}/orders/B-2`);
    expect(demo.calls.filter((c) => c.path === '/orders/B-2').map((c) => c.status)).toEqual([503, 503]);
  });

  it('two worker processes share the load, and nothing is done twice', async () => {
    const waIds = Array.from({ length: 30 }, () => newContact());
    await Promise.all(waIds.map((waId) => sandbox.say(waId, 'order status')));
    await Promise.all(waIds.map((waId) => received(waId, 1)));
    await Promise.all(waIds.map((waId, i) => sandbox.say(waId, `Z-${i}`)));
    await Promise.all(waIds.map((waId) => received(waId, 2)));
    await new Promise((r) => setTimeout(r, 500)); // anything sent twice would have arrived by now
    waIds.forEach((waId, i) => {
      expect(seen(waId)).toEqual([
        `Hi Contact ${waId.slice(-4)}! Send your order number.`,
        expect.stringMatching(new RegExp(`^Order Z-${i} is `)),
      ]);
      expect(demo.calls.filter((c) => c.path === `/orders/Z-${i}`)).toHaveLength(1);
    });
    const applied = await Promise.all(
      workers.map(async (w) => {
        const metrics = await (await fetch(w.url('/metrics'))).text();
        return Number(
          /flowbridge_trigger_events_total\{[^}]*source="message",outcome="applied"[^}]*\} (\d+)/.exec(
            metrics,
          )?.[1] ?? 0,
        );
      }),
    );
    expect(applied.every((n) => n > 0)).toBe(true);
  }, 60_000);

  it('[issue 20] a flow moves to another workspace: exported without secrets, imported (refused until they are given), published, run', async () => {
    // Workspace A's connection gets a bearer token: the one secret the bundle must leave out.
    const [connectionA] = must(await api.GET('/connections')).items;
    must(
      await api.PATCH('/connections/{id}', {
        params: { path: { id: connectionA.id } },
        body: { auth: { type: 'bearer', token: 'e2e-token-of-A' } },
      }),
    );
    // The CLI writes the bundle to a file (flows:export), through the same route.
    const file = join(tmpdir(), `e2e-bundle-${randomBytes(4).toString('hex')}.json`);
    const cliEnv = { ADMIN_API_KEY: adminKey, FLOWBRIDGE_FLOWS_URL: flows.url('') };
    const exported = await runToEnd(
      [join(ROOT, 'scripts/cli.mjs'), 'flows:export', flowId, '--out', file],
      cliEnv,
    );
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(exported.stdout).toContain('give them on import: auth.token');
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Schemas['FlowBundle'];
    expect(JSON.stringify(bundle)).not.toContain('e2e-token-of-A');
    expect(bundle.connections).toEqual([
      expect.objectContaining({
        title: 'Customer API',
        auth: { type: 'bearer' },
        requiredSecrets: ['auth.token'],
      }),
    ]);
    expect(bundle.apis.map((a) => [a.id, a.name, a.connection])).toEqual([
      [apiId, 'Fetch API Data', 'Customer API'],
    ]);

    // Workspace B: its own key (the CLI against the database, as an operator makes one) and its own number.
    const made = await runToEnd(
      [entry('connections', 'cli.js'), 'keys:create', '--workspace', 'ws-e2e-b', '--name', 'e2e'],
      env(),
    );
    const keyB = /^(fb_\S+)$/m.exec(made.stdout)![1];
    const apiB = adminApi(workers[0], keyB);
    must(
      await apiB.POST('/channels', {
        body: { ...numberB, accessToken: 'EAAG-e2e-b', verifyToken: 'e2e-verify-b' },
      }),
    );

    // Without the token: refused, every problem listed, nothing created in B.
    const refused = await apiB.POST('/flows/import', { body: { bundle } });
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({
      code: 'IMPORT_REFUSED',
      problems: [
        {
          code: 'SECRET_REQUIRED',
          field: 'secrets.connections["Customer API"].auth.token',
          message: expect.any(String),
        },
      ],
    });
    expect(must(await apiB.GET('/connections')).items).toEqual([]);
    expect(must(await apiB.GET('/flows')).items).toEqual([]);

    // With it (through the CLI's import of the file): the connection and API made in B, the flow's ids remapped.
    const secrets = join(tmpdir(), `e2e-secrets-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(
      secrets,
      JSON.stringify({ connections: { 'Customer API': { 'auth.token': 'e2e-token-of-B' } } }),
    );
    const imported = await runToEnd(
      [join(ROOT, 'scripts/cli.mjs'), 'flows:import', file, '--secrets', secrets],
      { ...cliEnv, ADMIN_API_KEY: keyB },
    );
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(imported.stdout).toContain('created: connections "Customer API"; APIs "Fetch API Data"');
    const [flowB] = must(await apiB.GET('/flows')).items;
    const [connectionB] = must(await apiB.GET('/connections')).items;
    const [fetchB] = must(await apiB.GET('/apis')).items;
    expect(connectionB.auth).toEqual({ type: 'bearer', token: expect.not.stringContaining('e2e-token') });
    expect(fetchB.id).not.toBe(apiId);
    expect(JSON.stringify(flowB.draft)).toContain(fetchB.id);
    expect(JSON.stringify(flowB.draft)).not.toContain(apiId);
    expect(flowB.problems).toEqual([]);

    // Published and run in B, on B's number: the API is called with B's token.
    must(await apiB.POST('/flows/{id}/publish', { params: { path: { id: flowB.id } } }));
    const waId = newContact();
    const toB = { phoneNumberId: numberB.phoneNumberId };
    await sandbox.say(waId, 'order status', { ...toB, name: 'Bea' });
    expect(await received(waId, 1)).toEqual(['Hi Bea! Send your order number.']);
    await sandbox.say(waId, 'C-3003', toB);
    expect((await received(waId, 2))[1]).toMatch(/^Order C-3003 is /);
    expect(demo.calls.filter((c) => c.path === '/orders/C-3003').map((c) => c.authorization)).toEqual([
      'Bearer e2e-token-of-B',
    ]);

    // Again into B: the name is taken (listed with the rest); under another name, B's connection is used as it is.
    const again = await apiB.POST('/flows/import', {
      body: { bundle, secrets: { connections: { 'Customer API': { 'auth.token': 'overwrite?' } } } },
    });
    expect(again.error).toMatchObject({
      code: 'IMPORT_REFUSED',
      problems: [expect.objectContaining({ code: 'FLOW_NAME_TAKEN', field: 'name' })],
    });
    const copy = must(
      await apiB.POST('/flows/import', {
        body: {
          bundle,
          name: 'Order status (copy)',
          secrets: { connections: { 'Customer API': { 'auth.token': 'not-to-be-written' } } },
        },
      }),
    );
    expect(copy.created).toEqual({ connections: [], apis: [] });
    expect(copy.matched).toEqual({ connections: ['Customer API'], apis: ['Fetch API Data'] });
    // Never overwritten: the same connection, same version, same (masked) token.
    expect(must(await apiB.GET('/connections')).items).toEqual([connectionB]);
    // Workspace A is as it was.
    expect(must(await api.GET('/flows')).items.map((f) => f.name)).not.toContain('Order status (copy)');
  }, 60_000);
});
