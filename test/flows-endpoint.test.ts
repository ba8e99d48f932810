import { randomBytes, randomUUID } from 'node:crypto';
import { type FlowDocument, pageExampleFlow, pageExampleForm } from '@flowbridge/flow-engine';
import { QueueName } from '@flowbridge/contracts';
import { ApiKeysService, FlowTokens, redisOptionsFromUrl, TEST_INTERNAL_KEY } from '@flowbridge/platform';
import { HttpPeer, sendJson, testRedisUrl, until } from '@flowbridge/testing';
import { Queue } from 'bullmq';
import request from 'supertest';
import { sealFlowRequest } from '../tools/sandbox/src/flows-client';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { type FlowDefinitionHarness, startFlowDefinition } from './flow-definition-app';
import { type MessagingHarness, startMessaging } from './messaging-app';
import { startWorker, type WorkerHarness } from './worker-app';

const APP_SECRET = 'flows-endpoint-app-secret';
/** A second number of the same workspace, with a channel and a key pair of its own. */
const SECOND_NUMBER = {
  phoneNumberId: '140000000002',
  displayPhoneNumber: '+1 555 0141',
  wabaId: '240000000001',
};
const SECOND_SECRET = 'flows-endpoint-second-app-secret';
/** A number of another workspace (ws-b), and a third of this one that is disconnected while a flow names it. */
const THEIR_NUMBER = {
  phoneNumberId: '140000000003',
  displayPhoneNumber: '+1 555 0142',
  wabaId: '240000000003',
};
const SPARE_NUMBER = {
  phoneNumberId: '140000000004',
  displayPhoneNumber: '+1 555 0143',
  wabaId: '240000000001',
};
const tokens = FlowTokens.fromInternalKey(TEST_INTERNAL_KEY);

/** A chat flow whose first screen opens the page's "Order lookup" form and waits for its completion. */
function formFlow(apiId: string, deadlineMs?: number): Omit<FlowDocument, 'schemaVersion'> {
  const form = pageExampleForm(apiId);
  const order = form.screens[0];
  return {
    name: `Orders form ${randomUUID().slice(0, 8)}`,
    triggers: [{ type: 'api' }],
    startScreen: 'ask',
    variables: [{ name: 'first_name' }],
    screens: [
      {
        id: 'ask',
        messages: [
          {
            type: 'flow',
            form: 'order_lookup',
            text: 'Look up your order',
            cta: 'Open',
            data: { greeting: 'Hi {{first_name}}' },
          },
        ],
        input: { variable: 'answers', type: 'string' },
        actions: [{ type: 'navigate', to: 'thanks' }],
      },
      { id: 'thanks', messages: [{ type: 'text', text: 'Thanks' }], actions: [{ type: 'end' }] },
    ],
    forms: [
      {
        ...form,
        screens: [
          {
            ...order,
            data: { greeting: { type: 'string' } },
            components: [
              { type: 'TextHeading', text: '${data.greeting}' },
              { type: 'TextInput', name: 'order_id', label: 'Order number', required: true },
              { type: 'TextInput', name: 'pin', label: 'PIN', sensitive: true },
            ],
            footer: {
              label: 'Look it up',
              action: {
                type: 'data_exchange',
                api: apiId,
                onSuccess: 'FIRST_SCREEN',
                onFailure: 'SAMPLE_SCREEN',
                apiData: {
                  status: '{{api_response.data.status}}',
                  total: '{{api_response.data.total}}',
                  echo: '{{form.order_id}}',
                },
                ...(deadlineMs ? { deadlineMs } : {}),
              },
            },
          },
          {
            ...form.screens[1],
            data: { ...form.screens[1].data, echo: { type: 'string' } },
          },
          {
            ...form.screens[2],
            footer: {
              label: 'Try again',
              action: { type: 'navigate', next: 'ORDER', payload: { greeting: 'Try again' } },
            },
          },
        ],
      },
    ],
  };
}

describe('[issue 19] the WhatsApp Flows data endpoint: screen requests answered by the worker through the API', () => {
  let connections: ConnectionsHarness;
  let fd: FlowDefinitionHarness;
  let worker: WorkerHarness;
  let messaging: MessagingHarness;
  let replica: MessagingHarness;
  let sandbox: Sandbox;
  const business = new HttpPeer();
  let connectionId: string;
  let channelId: string;
  let publicKey: string;
  let contacts = 0;

  beforeAll(async () => {
    await business.start();
    const number = {
      phoneNumberId: '140000000001',
      displayPhoneNumber: '+1 555 0140',
      wabaId: '240000000001',
    };
    sandbox = await startSandbox({
      webhookUrl: 'http://127.0.0.1:9/unset',
      numbers: [
        { ...number, appSecret: APP_SECRET, accessToken: 'EAAG-flows-endpoint' },
        { ...SECOND_NUMBER, appSecret: SECOND_SECRET, accessToken: 'EAAG-flows-endpoint-2' },
        { ...THEIR_NUMBER, appSecret: 'their-app-secret', accessToken: 'EAAG-flows-endpoint-3' },
        { ...SPARE_NUMBER, appSecret: 'spare-app-secret', accessToken: 'EAAG-flows-endpoint-4' },
      ],
    });
    connections = await startConnections('flows_ep_conn', { rpc: true });
    const queuePrefix = `fbtest-flows-${randomBytes(4).toString('hex')}`;
    const shared = { adminKey: connections.adminKey, rpcNamespace: connections.config.RPC_NAMESPACE };
    fd = await startFlowDefinition('flows_ep_fd', { ...shared, env: { QUEUE_PREFIX: queuePrefix } });
    worker = await startWorker('flows_ep_worker', { ...shared, queuePrefix });
    const env = {
      QUEUE_PREFIX: queuePrefix,
      RPC_NAMESPACE: connections.config.RPC_NAMESPACE,
      GRAPH_API_BASE_URL: sandbox.url,
      FLOW_ENDPOINT_WAIT_MS: '4000',
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      TRIGGER_PARTITIONS: String(worker.config.TRIGGER_PARTITIONS),
      NAVIGATION_PARTITIONS: String(worker.config.NAVIGATION_PARTITIONS),
    };
    // Both replicas answer flow-definition's RPC: each form must still become one Flow.
    messaging = await startMessaging('flows_ep_msg', { env, rpc: true });
    replica = await startMessaging('flows_ep_msg', { env, rpc: true, replicaOf: messaging });
    // Where WhatsApp (the sandbox) reaches the data endpoint, known once the first replica listens.
    for (const svc of [messaging, replica]) svc.config.PUBLIC_BASE_URL = messaging.url;
    sandbox.options.webhookUrl = `${replica.url}/webhooks/whatsapp`;
    const created = await connections.call('post', '/connections', {
      title: 'Customer API',
      baseUrl: business.origin,
      retry: { attempts: 2, backoff: 'fixed', delayMs: 100, maxDelayMs: 100 },
      timeoutMs: 5000,
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    ({ id: channelId, publicKey } = await connectChannel(number, 'EAAG-flows-endpoint', APP_SECRET));
  }, 60_000);

  /** A channel for a sandbox number, with its WhatsApp Flows key pair made and uploaded. */
  async function connectChannel(
    number: { phoneNumberId: string; displayPhoneNumber: string; wabaId: string },
    accessToken: string,
    appSecret: string,
  ): Promise<{ id: string; publicKey: string }> {
    const channel = await messaging.call('post', '/channels', {
      ...number,
      accessToken,
      appSecret,
      verifyToken: `verify-${number.phoneNumberId}`,
    });
    expect(channel.status).toBe(201);
    const key = await messaging.call('post', `/channels/${channel.body.id}/flow-key`);
    expect(key.status).toBe(200);
    return { id: channel.body.id as string, publicKey: key.body.publicKey as string };
  }

  afterAll(async () => {
    await replica?.close();
    await messaging?.close();
    await worker?.close();
    await fd?.close();
    await connections?.close();
    await sandbox?.close();
    await business.stop();
  });

  /** A published flow opening the form, a run of it waiting on the form, and a token for that run. */
  async function waitingRun(deadlineMs?: number) {
    const api = await connections.call('post', '/apis', {
      name: `Fetch API Data ${randomUUID().slice(0, 8)}`,
      connectionId,
      method: 'GET',
      path: '/orders/{{form.order_id}}',
    });
    expect(api.status).toBe(201);
    const flow = await fd.call('post', '/flows', formFlow(api.body.id, deadlineMs));
    expect(flow.body.problems).toEqual([]);
    expect((await fd.call('post', `/flows/${flow.body.id}/publish`)).status).toBe(201);
    const published = [...sandbox.flows.values()].filter((f) => f.name.includes(' · v1 · '));
    const metaFlow = published.at(-1)!;
    const waId = String(447700950000 + ++contacts);
    const started = await fd.call('post', `/flows/${flow.body.id}/runs`, {
      channelId,
      contact: { waId },
      variables: { first_name: 'Ana' },
    });
    expect(started.status).toBe(202);
    const run = await until(`the run of ${waId} to wait on the form`, async () => {
      const list = await worker.call('get', `/runs?contact=${waId}`);
      return (list.body.items as Array<{ id: string; status: string }>).find(
        (r) => r.status === 'waiting_input',
      );
    });
    // The flow message as WhatsApp got it: the Flow published for this version and channel, our token.
    const sent = await until(`the flow message to ${waId}`, async () => sandbox.sentTo(waId)[0]);
    const parameters = (sent.message as { interactive: { action: { parameters: Record<string, unknown> } } })
      .interactive.action.parameters;
    expect(parameters).toMatchObject({ flow_id: metaFlow.id, flow_action: 'data_exchange' });
    expect(metaFlow).toMatchObject({
      status: 'PUBLISHED',
      endpointUri: `${messaging.url}/webhooks/whatsapp-flows/${channelId}`,
    });
    const token = parameters.flow_token as string;
    expect(tokens.read(token)).toMatchObject({
      workspaceId: 'ws-a',
      runId: run.id,
      formId: 'order_lookup',
      navigationId: `${run.id}:1`,
    });
    return { runId: run.id, token, waId, flowId: flow.body.id as string };
  }

  /** One screen request as WhatsApp makes it, to one replica; the answer opened. */
  async function ask(
    via: MessagingHarness,
    payload: Record<string, unknown>,
    options: { secret?: string; channel?: string; publicKey?: string } = {},
  ) {
    const sealed = sealFlowRequest(
      options.publicKey ?? publicKey,
      { version: '3.0', ...payload },
      options.secret ?? APP_SECRET,
    );
    const started = Date.now();
    const res = await request(via.url)
      .post(`/webhooks/whatsapp-flows/${options.channel ?? channelId}`)
      .set('Content-Type', 'application/json')
      .set('X-Hub-Signature-256', sealed.signature)
      .send(sealed.raw.toString());
    return {
      status: res.status,
      ms: Date.now() - started,
      body:
        res.status === 200 || res.status === 427 ? (sealed.open(res.text) as Record<string, unknown>) : null,
    };
  }

  it('publish makes each form one Flow on the Cloud API (two replicas hear the RPC); Meta’s objections refuse it', async () => {
    const before = sandbox.flows.size;
    await waitingRun();
    expect(sandbox.flows.size).toBe(before + 1);
    const api = await connections.call('post', '/apis', {
      name: `Fetch ${randomUUID().slice(0, 8)}`,
      connectionId,
      method: 'GET',
      path: '/orders/{{form.order_id}}',
    });
    const document = formFlow(api.body.id);
    const order = document.forms![0].screens[0];
    order.components[1] = {
      type: 'TextInput',
      name: 'order_id',
      label: 'Your order number, as printed on the receipt',
    };
    const flow = await fd.call('post', '/flows', document);
    expect(flow.body.problems).toEqual([]);
    const refused = await fd.call('post', `/flows/${flow.body.id}/publish`);
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([
      expect.objectContaining({
        code: 'CLOUD_API_REFUSED',
        formId: 'order_lookup',
        path: 'forms[0]',
        message: expect.stringMatching(/label is longer than 20 characters.*children\[1\]\.label/),
      }),
    ]);
    expect((await fd.call('get', `/flows/${flow.body.id}/versions`)).body.items).toEqual([]);
  });

  it('as WhatsApp: the flow message opens the form, the footer fetches the order, completion resumes the chat flow', async () => {
    business.reset();
    business.handle((req, res) => sendJson(res, 200, { status: 'shipped', total: 42.5, path: req.url }));
    const { runId, token, waId } = await waitingRun();
    const session = await sandbox.openFlow(waId);
    expect(session.screen).toMatchObject({
      id: 'ORDER',
      components: [{ type: 'TextHeading', text: 'Hi Ana' }, expect.anything(), expect.anything()],
      inputs: [
        { name: 'order_id', label: 'Order number', type: 'TextInput', required: true },
        { name: 'pin', label: 'PIN', type: 'TextInput', required: false },
      ],
      footer: { label: 'Look it up' },
    });
    expect(await session.submit({ order_id: 'A-17', pin: '0000' })).toMatchObject({
      id: 'FIRST_SCREEN',
      data: { status: 'shipped', total: 42.5, echo: 'A-17' },
      components: [{ type: 'TextBody', text: 'Status: shipped, total 42.5' }],
    });
    expect(await session.submit()).toBeNull();
    expect(session.completed).toBe(true);
    const run = await until('the chat flow to continue after the form', async () => {
      const body = (await worker.call('get', `/runs/${runId}`)).body;
      return body.status === 'completed' && body;
    });
    expect(run.variables.answers).toEqual({ status: 'shipped' });
    expect(run.steps.map((s: { screenId: string }) => s.screenId)).toEqual(['ask', 'thanks']);
    // The form is done: its token opens nothing any more.
    const again = await ask(messaging, { action: 'INIT', screen: '', data: {}, flow_token: token });
    expect(again.status).toBe(427);
    expect(session.requests.map((r) => [r.action, r.status])).toEqual([
      ['INIT', 200],
      ['data_exchange', 200],
    ]);
  });

  it('INIT answers the start screen with the opening message’s data rendered over the run', async () => {
    const { token } = await waitingRun();
    const answer = await ask(messaging, { action: 'INIT', screen: '', data: {}, flow_token: token });
    expect(answer).toMatchObject({
      status: 200,
      body: { version: '3.0', screen: 'ORDER', data: { greeting: 'Hi Ana' } },
    });
  });

  it('data_exchange calls the API with the form values and answers the success screen with its data; the run shows it', async () => {
    business.reset();
    business.handle((req, res) => sendJson(res, 200, { status: 'shipped', total: 42.5, path: req.url }));
    const { runId, token } = await waitingRun();
    const answer = await ask(replica, {
      action: 'data_exchange',
      screen: 'ORDER',
      data: { order_id: 'A-17', pin: '9931' },
      flow_token: token,
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { screen: 'FIRST_SCREEN', data: { status: 'shipped', total: 42.5, echo: 'A-17' } },
    });
    expect(business.requests.map((r) => r.url)).toEqual(['/orders/A-17']);
    const run = await until('the request in the run’s history', async () => {
      const body = (await worker.call('get', `/runs/${runId}`)).body;
      return body.formRequests?.length === 1 && body;
    });
    expect(run.formRequests[0]).toMatchObject({
      formId: 'order_lookup',
      action: 'data_exchange',
      screenId: 'ORDER',
      answeredScreenId: 'FIRST_SCREEN',
      outcome: 'answered',
      values: { order_id: 'A-17', pin: '••••' },
    });
    expect(JSON.stringify(run)).not.toContain('9931');
    expect(run.callLog).toEqual([
      expect.objectContaining({ stepKey: expect.stringMatching(/^form-/), statusCode: 200 }),
    ]);
  });

  it('the API failing after its retries answers the failure screen with the message and the submitted values', async () => {
    business.reset();
    business.handle((_req, res) => sendJson(res, 503, { error: 'down' }));
    const { token } = await waitingRun();
    const answer = await ask(messaging, {
      action: 'data_exchange',
      screen: 'ORDER',
      data: { order_id: 'B-2' },
      flow_token: token,
    });
    expect(answer).toMatchObject({
      status: 200,
      body: {
        screen: 'SAMPLE_SCREEN',
        data: { error_message: expect.stringMatching(/could not complete/), order_id: 'B-2' },
      },
    });
    expect(business.requests).toHaveLength(2);
  });

  it('an API slower than the footer’s deadline answers the failure screen in time', async () => {
    business.reset();
    business.handle(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      sendJson(res, 200, { status: 'late' });
    });
    const { runId, token } = await waitingRun(1000);
    const answer = await ask(messaging, {
      action: 'data_exchange',
      screen: 'ORDER',
      data: { order_id: 'C-3' },
      flow_token: token,
    });
    expect(answer).toMatchObject({
      status: 200,
      body: {
        screen: 'SAMPLE_SCREEN',
        data: { error_message: expect.stringMatching(/longer than expected/) },
      },
    });
    expect(answer.ms).toBeLessThan(2500);
    const run = await until('the deadline miss recorded', async () => {
      const body = (await worker.call('get', `/runs/${runId}`)).body;
      return body.formRequests?.length === 1 && body;
    });
    expect(run.formRequests[0]).toMatchObject({ outcome: 'deadline', answeredScreenId: 'SAMPLE_SCREEN' });
  });

  it('no answer from the worker in time: the replica answers an error on the screen itself; the late answer is recorded, not used', async () => {
    const { runId, token } = await waitingRun();
    const queue = new Queue(QueueName.FormExchanges, {
      prefix: worker.config.QUEUE_PREFIX,
      connection: redisOptionsFromUrl(testRedisUrl()),
    });
    await queue.pause();
    try {
      const answer = await ask(messaging, {
        action: 'data_exchange',
        screen: 'ORDER',
        data: { order_id: 'D-4' },
        flow_token: token,
      });
      // FLOW_ENDPOINT_WAIT_MS is 4 s here.
      expect(answer).toMatchObject({
        status: 200,
        body: { screen: 'ORDER', data: { error_message: expect.stringMatching(/longer than expected/) } },
      });
      expect(answer.ms).toBeGreaterThanOrEqual(3900);
      const metrics = await messaging.request().get('/metrics');
      expect(metrics.text).toMatch(
        /flowbridge_flow_endpoint_deadline_misses_total\{reason="no_answer"[^}]*\} [1-9]/,
      );
    } finally {
      await queue.resume();
      await queue.close();
    }
    const run = await until('the late answer recorded', async () => {
      const body = (await worker.call('get', `/runs/${runId}`)).body;
      return body.formRequests?.length === 1 && body;
    });
    expect(run.formRequests[0]).toMatchObject({ outcome: 'late', answeredScreenId: 'SAMPLE_SCREEN' });
  });

  it('two replicas: every request is answered by the replica holding it, with its own answer', async () => {
    business.reset();
    business.handle((req, res) => sendJson(res, 200, { status: `for ${req.url}`, total: 1 }));
    const { token } = await waitingRun();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ask(i % 2 ? replica : messaging, {
          action: 'data_exchange',
          screen: 'ORDER',
          data: { order_id: `R-${i}` },
          flow_token: token,
        }),
      ),
    );
    answers.forEach((answer, i) =>
      expect(answer).toMatchObject({
        status: 200,
        body: { screen: 'FIRST_SCREEN', data: { status: `for /orders/R-${i}`, echo: `R-${i}` } },
      }),
    );
  });

  it('427 for a token forged, expired, of another workspace, or of a run that no longer waits for the form', async () => {
    const { runId, token } = await waitingRun();
    const claims = { workspaceId: 'ws-a', runId, formId: 'order_lookup', navigationId: `${runId}:1` };
    const forged = FlowTokens.fromInternalKey('another-key-another-key-another-key').issue({
      ...claims,
      expiresAt: Date.now() + 60_000,
    });
    const expired = tokens.issue({ ...claims, expiresAt: Date.now() - 1 });
    const otherWorkspace = tokens.issue({ ...claims, workspaceId: 'ws-b', expiresAt: Date.now() + 60_000 });
    const otherForm = tokens.issue({ ...claims, formId: 'not_this_one', expiresAt: Date.now() + 60_000 });
    for (const flowToken of [forged, expired, otherWorkspace, otherForm, `${token}x`, undefined]) {
      const answer = await ask(messaging, { action: 'INIT', screen: '', data: {}, flow_token: flowToken });
      expect(answer).toEqual({
        status: 427,
        ms: expect.any(Number),
        body: { error_msg: expect.stringMatching(/no longer available/) },
      });
    }
  });

  it("a second number of the workspace: a run's token brought to another channel's endpoint is closed (427); an API trigger naming a channel the workspace does not have is refused, one made a moment ago is taken", async () => {
    // The workspace's channels are read (and kept) by this API trigger, before the second number has a channel.
    const { token, flowId } = await waitingRun();
    const second = await connectChannel(SECOND_NUMBER, 'EAAG-flows-endpoint-2', SECOND_SECRET);

    const start = (channel: string) =>
      fd.call('post', `/flows/${flowId}/runs`, { channelId: channel, contact: { waId: '447700950999' } });
    const unknown = await start(randomUUID());
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'CHANNEL_NOT_FOUND', field: 'channelId' });
    // Made after the workspace's channels were read: known within a second.
    const taken = await until('the new channel to be taken', async () => {
      const res = await start(second.id);
      return res.status === 202 ? res : null;
    });
    expect(taken.body).toMatchObject({ flowId, eventId: expect.any(String) });

    const elsewhere = { channel: second.id, secret: SECOND_SECRET, publicKey: second.publicKey };
    expect(await ask(messaging, { action: 'ping' }, elsewhere)).toMatchObject({ status: 200 });
    const answer = await ask(
      messaging,
      { action: 'INIT', screen: '', data: {}, flow_token: token },
      elsewhere,
    );
    expect(answer).toEqual({
      status: 427,
      ms: expect.any(Number),
      body: { error_msg: expect.stringMatching(/no longer available/) },
    });
    // On its own channel the same token opens the form.
    expect(await ask(messaging, { action: 'INIT', screen: '', data: {}, flow_token: token })).toMatchObject({
      status: 200,
      body: { screen: expect.any(String) },
    });
  });

  it('432 for a bad signature or an unknown channel; ping answers active', async () => {
    expect((await ask(messaging, { action: 'ping' }, { secret: 'wrong' })).status).toBe(432);
    expect((await ask(messaging, { action: 'ping' }, { channel: randomUUID() })).status).toBe(432);
    expect(await ask(replica, { action: 'ping' })).toMatchObject({
      status: 200,
      body: { data: { status: 'active' } },
    });
  });

  it("a flow's channels are the workspace's own: one it does not have, or another workspace's, is refused at save and import; one disconnected since is a problem that refuses the publish", async () => {
    const keyB = (await messaging.app.get(ApiKeysService).create('ws-b', 'test key B')).key;
    const channel = (number: typeof THEIR_NUMBER, secret: string, token: string, key?: string) =>
      messaging.call(
        'post',
        '/channels',
        { ...number, accessToken: token, appSecret: secret, verifyToken: `verify-${number.phoneNumberId}` },
        key,
      );
    const theirs = await channel(THEIR_NUMBER, 'their-app-secret', 'EAAG-flows-endpoint-3', keyB);
    expect(theirs.status).toBe(201);
    const api = await connections.call('post', '/apis', {
      name: `Fetch API Data ${randomUUID().slice(0, 8)}`,
      connectionId,
      method: 'GET',
      path: '/orders/{{contact.waId}}',
    });
    const flow = { ...pageExampleFlow(api.body.id), name: `Channels ${randomUUID().slice(0, 8)}` };
    flow.triggers = [{ type: 'api' }];

    const foreign = await fd.call('post', '/flows', { ...flow, channelIds: [channelId, theirs.body.id] });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({
      code: 'CHANNEL_NOT_FOUND',
      field: 'channelIds[1]',
      message: expect.stringContaining(theirs.body.id),
    });
    const created = await fd.call('post', '/flows', { ...flow, channelIds: [channelId] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const unknown = await fd.call('patch', `/flows/${id}`, { channelIds: [randomUUID()] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'CHANNEL_NOT_FOUND', field: 'channelIds[0]' });
    expect((await fd.call('get', `/flows/${id}`)).body.channelIds).toEqual([channelId]);
    // An import naming their channel is refused with every problem, before anything is created.
    const bundle = (await fd.call('get', `/flows/${id}/export`)).body;
    const imported = await fd.call('post', '/flows/import', {
      bundle,
      name: `Imported ${randomUUID().slice(0, 8)}`,
      channelIds: [channelId, theirs.body.id],
    });
    expect(imported.status).toBe(422);
    expect(imported.body).toMatchObject({
      code: 'IMPORT_REFUSED',
      problems: [{ code: 'CHANNEL_NOT_FOUND', field: 'channelIds[1]', message: expect.any(String) }],
    });

    // A number connected a moment ago is taken (within a second); disconnected after the save, it refuses the
    // publish (asked afresh) and nothing is published until the flow stops naming it.
    const spare = await channel(SPARE_NUMBER, 'spare-app-secret', 'EAAG-flows-endpoint-4');
    expect(spare.status).toBe(201);
    await until('the new channel to be taken', async () => {
      const res = await fd.call('patch', `/flows/${id}`, { channelIds: [channelId, spare.body.id] });
      return res.status === 200 ? res : null;
    });
    expect((await messaging.call('delete', `/channels/${spare.body.id}`)).status).toBe(204);
    const validated = await fd.call('post', `/flows/${id}/validate`);
    expect(validated.body).toMatchObject({
      publishable: false,
      problems: [{ severity: 'error', code: 'CHANNEL_NOT_FOUND', path: 'channelIds[1]', screenId: null }],
    });
    const refused = await fd.call('post', `/flows/${id}/publish`);
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'CHANNEL_NOT_FOUND',
        path: 'channelIds[1]',
        message: expect.stringContaining(spare.body.id),
      }),
    ]);
    expect((await fd.call('get', `/flows/${id}/versions`)).body.items).toEqual([]);
    expect((await fd.call('patch', `/flows/${id}`, { channelIds: [channelId] })).status).toBe(200);
    expect(await fd.call('post', `/flows/${id}/publish`)).toMatchObject({
      status: 201,
      body: { version: 1, problems: [] },
    });
  });
});
