import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminClient, must, type Schemas } from '@flowbridge/api-client';
import { createTestDatabase, HttpPeer, type TestDatabase, testRedisUrl, until } from '@flowbridge/testing';
import { type DemoApi, startDemoApi } from '../tools/demo-api/src/demo-api';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import { entry, migrateServices, newKey, ROOT, ServiceProcess, type ServiceName } from './service-process';

const PATIENT = { timeoutMs: 30_000, everyMs: 100 };

// The demo's form ("Order lookup (form)") through the whole system as deployed: the four services as
// processes, two messaging replicas behind a round-robin balancer that is the forms' public endpoint, the
// sandbox playing WhatsApp (opening the flow message, submitting screens to the endpoint, posting the
// nfm_reply), and the demo business API.
describe('[issue 19] end to end: a WhatsApp form through two messaging replicas, the sandbox as WhatsApp', () => {
  let db: TestDatabase;
  let sandbox: Sandbox;
  let demo: DemoApi;
  const started: ServiceProcess[] = [];
  const balancer = new HttpPeer();
  /** The data-endpoint requests each replica answered. */
  const answeredBy = [0, 0];
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  const prefix = `fbtest-e2ef-${randomBytes(4).toString('hex')}`;
  const encryptionKey = newKey();
  const number = {
    phoneNumberId: '190000000000009',
    displayPhoneNumber: '15550009999',
    wabaId: '290000000000009',
    appSecret: `e2e-forms-${randomBytes(8).toString('hex')}`,
  };
  let replicas: ServiceProcess[];
  let contacts = 0;
  const newContact = () => String(447900200000 + ++contacts);

  const env = (): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.appUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: testRedisUrl(),
    RPC_NAMESPACE: prefix,
    QUEUE_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    ADMIN_WORKSPACE: 'ws-e2e-forms',
    OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
    ENCRYPTION_KEYS: `k1:${encryptionKey}`,
    GRAPH_API_BASE_URL: sandbox.url,
    PUBLIC_BASE_URL: balancer.origin,
    // A footer's call gives up after 1.5 s here (5 s by default).
    FORM_DEADLINE_MS: '1500',
  });

  async function startService(service: ServiceName): Promise<ServiceProcess> {
    const proc = await ServiceProcess.launch(service, env());
    started.push(proc);
    await proc.ready();
    return proc;
  }

  beforeAll(async () => {
    if (!existsSync(entry('worker')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    db = await createTestDatabase('e2e_forms');
    await migrateServices(
      db.url,
      ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'],
      db.appUrl,
    );
    demo = await startDemoApi();
    sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers: [number] });
    // The load balancer in front of the messaging replicas: each request to the next one, answered as it answers.
    let turn = 0;
    balancer.handle(async (req, res) => {
      const which = turn++ % 2;
      const upstream = await fetch(replicas[which].url(req.url), {
        method: req.method,
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'application/json'),
          'x-hub-signature-256': String(req.headers['x-hub-signature-256'] ?? ''),
        },
        body: req.body,
      });
      answeredBy[which] += 1;
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      });
      res.end(await upstream.text());
    });
    await balancer.start();
    let connections: ServiceProcess;
    let flows: ServiceProcess;
    let worker: ServiceProcess;
    [connections, flows, worker, replicas] = await Promise.all([
      startService('connections'),
      startService('flow-definition'),
      startService('worker'),
      Promise.all([startService('whatsapp-messaging'), startService('whatsapp-messaging')]),
    ]);
    sandbox.options.webhookUrl = replicas[0].url('/webhooks/whatsapp');

    // The generated admin client (libs/api-client), the channel made through the second replica.
    const api = createAdminClient({
      adminKey,
      baseUrl: {
        connections: connections.url(''),
        'flow-definition': flows.url(''),
        'whatsapp-messaging': replicas[1].url(''),
        worker: worker.url(''),
      },
    });
    const connection = must(
      await api.POST('/connections', {
        body: { title: 'Customer API', baseUrl: demo.url, retry: { attempts: 1 }, timeoutMs: 5000 },
      }),
    );
    const fetchApi = must(
      await api.POST('/apis', {
        body: {
          name: 'Fetch API Data',
          connectionId: connection.id,
          method: 'GET',
          path: '/orders/{{order_id}}',
        },
      }),
    );
    const channel = must(
      await api.POST('/channels', {
        body: { ...number, accessToken: 'EAAG-e2e-forms', verifyToken: 'e2e-forms-verify' },
      }),
    );
    const document = JSON.parse(
      readFileSync(join(ROOT, 'examples/order-lookup-form-flow.json'), 'utf8').replaceAll(
        'API_ID',
        fetchApi.id,
      ),
    ) as Schemas['CreateFlowDto'];
    const flow = must(await api.POST('/flows', { body: document }));
    expect(flow.problems).toEqual([]);
    must(await api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }));
    // One Flow on the Cloud API for the form, on the channel's data endpoint behind the balancer.
    expect([...sandbox.flows.values()]).toEqual([
      expect.objectContaining({
        status: 'PUBLISHED',
        endpointUri: `${balancer.origin}/webhooks/whatsapp-flows/${channel.id}`,
      }),
    ]);
  }, 90_000);

  afterAll(async () => {
    for (const p of started) p.kill('SIGTERM');
    await Promise.all(started.map((p) => p.exited));
    await balancer.stop();
    await sandbox?.close();
    await demo?.close();
    await db?.drop();
  }, 60_000);

  /** The contact says "form" and opens the flow message it gets, as WhatsApp does. */
  async function openForm(waId: string) {
    await sandbox.say(waId, 'form', { name: 'Ana' });
    await until(
      `the flow message to ${waId}`,
      async () =>
        sandbox
          .sentTo(waId)
          .some((e) => (e.message.interactive as { type?: string } | undefined)?.type === 'flow'),
      PATIENT,
    );
    return sandbox.openFlow(waId);
  }

  const lastText = (waId: string) =>
    until(
      `a text to ${waId}`,
      async () => {
        const last = sandbox.sentTo(waId).at(-1)?.message as { text?: { body: string } };
        return last?.text?.body;
      },
      PATIENT,
    );

  it('opens on the data endpoint, the footer fetches the order, and completing the form continues the chat', async () => {
    const waId = newContact();
    const session = await openForm(waId);
    expect(session.screen).toMatchObject({ id: 'ORDER', components: [{ text: 'Hi Ana, which order?' }, {}] });
    const found = await session.submit({ order_id: 'A-1001' });
    expect(found).toMatchObject({ id: 'FIRST_SCREEN', data: { order_id: 'A-1001' } });
    expect(demo.calls.map((c) => c.path)).toContain('/orders/A-1001');
    const status = found!.data.status as string;
    expect(typeof found!.data.total).toBe('number');
    expect(await session.submit()).toBeNull();
    expect(await lastText(waId)).toBe(`Thanks! Order A-1001 is ${status}.`);
  });

  it('the API failing answers the failure screen, and its footer leads back to the order screen', async () => {
    const session = await openForm(newContact());
    const failed = await session.submit({ order_id: 'fail-42' });
    expect(failed).toMatchObject({
      id: 'SAMPLE_SCREEN',
      data: { error_message: expect.stringMatching(/could not complete/), order_id: 'fail-42' },
    });
    expect(await session.submit()).toMatchObject({ id: 'ORDER', data: { greeting: expect.any(String) } });
  });

  it('an API slower than the deadline answers the failure screen in time', async () => {
    const session = await openForm(newContact());
    demo.options.latencyMs = 4000;
    try {
      const started = Date.now();
      const late = await session.submit({ order_id: 'B-7' });
      expect(late).toMatchObject({
        id: 'SAMPLE_SCREEN',
        data: { error_message: expect.stringMatching(/longer than expected/) },
      });
      expect(Date.now() - started).toBeLessThan(3500);
    } finally {
      demo.options.latencyMs = 0;
    }
  });

  it('both replicas answered data-endpoint requests (each answer reached the replica holding its request)', () => {
    expect(answeredBy[0]).toBeGreaterThan(0);
    expect(answeredBy[1]).toBeGreaterThan(0);
  });
});
