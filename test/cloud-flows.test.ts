import { pageExampleForm, toFlowJson } from '@flowbridge/flow-engine';
import { CloudFlows } from '../services/whatsapp-messaging/src/flows-endpoint/cloud-flows';
import { GraphClient } from '../services/whatsapp-messaging/src/sending/graph-client';
import type { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';

// Publishing a form's Flow JSON on the Cloud API (issue 19): the client against the sandbox's Flows calls, over
// real HTTP on 127.0.0.1.

describe('[issue 19] CloudFlows: a form published on the Cloud API', () => {
  let sandbox: Sandbox;
  let graph: GraphClient;
  let flows: CloudFlows;
  const waba = { id: '240000000001', graphApiVersion: null };
  const token = 'EAAG-cloud-flows';
  const endpointUri =
    'https://flowbridge.example/webhooks/whatsapp-flows/0b6f1c2e-5d4a-4f7e-9c3b-2a1d0e9f8a7b';

  beforeAll(async () => {
    sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset' });
    graph = new GraphClient({
      GRAPH_API_BASE_URL: sandbox.url,
      GRAPH_API_VERSION: 'v23.0',
      GRAPH_API_TIMEOUT_MS: 5000,
    } as WhatsappMessagingConfig);
    flows = new CloudFlows(graph);
  });

  afterAll(async () => {
    graph?.onApplicationShutdown();
    await sandbox?.close();
  });

  it('creates the Flow with the endpoint, uploads the generated Flow JSON without objections, publishes it', async () => {
    const created = await flows.create(waba, token, {
      name: 'Order lookup',
      categories: ['OTHER'],
      endpointUri,
    });
    if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
    const flow = { id: created.flowId, graphApiVersion: null };
    const uploaded = await flows.upload(flow, token, toFlowJson(pageExampleForm('api-fetch')));
    expect(uploaded).toEqual({ ok: true, validationErrors: [] });
    expect(await flows.publish(flow, token)).toEqual({ ok: true });
    const read = await flows.get(flow, token);
    expect(read).toEqual({
      ok: true,
      flow: {
        id: created.flowId,
        name: 'Order lookup',
        status: 'PUBLISHED',
        endpointUri,
        validationErrors: [],
      },
    });
    // What Meta holds is what the generator made.
    expect(sandbox.flows.get(created.flowId)?.flowJson).toEqual(toFlowJson(pageExampleForm('api-fetch')));
  });

  it("Meta's objections come back as validation errors with their paths, and publishing is refused", async () => {
    // No endpoint URI for a Flow that uses the data endpoint, and a routing model naming a screen that is gone.
    const created = await flows.create(waba, token, { name: 'Broken', categories: ['OTHER'] });
    if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
    const flow = { id: created.flowId, graphApiVersion: null };
    const json = toFlowJson(pageExampleForm('api-fetch')) as { routing_model: Record<string, string[]> };
    json.routing_model.ORDER.push('GONE');
    const uploaded = await flows.upload(flow, token, json);
    expect(uploaded.ok && uploaded.validationErrors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ errorType: 'FLOW_JSON_ERROR', paths: ['routing_model.ORDER'] }),
        expect.objectContaining({ paths: ['data_api_version'] }),
      ]),
    );
    const published = await flows.publish(flow, token);
    expect(published).toMatchObject({ ok: false, reachable: true, error: { code: 139001 } });
  });

  it('no token is refused (190); a Cloud API that does not answer is unreachable, not an objection', async () => {
    const refused = await flows.create(waba, '', { name: 'x', categories: ['OTHER'] });
    expect(refused).toMatchObject({ ok: false, error: { code: 190 } });
    const down = new CloudFlows(
      new GraphClient({
        GRAPH_API_BASE_URL: 'http://127.0.0.1:9',
        GRAPH_API_VERSION: 'v23.0',
        GRAPH_API_TIMEOUT_MS: 2000,
      } as WhatsappMessagingConfig),
    );
    expect(await down.create(waba, token, { name: 'x', categories: ['OTHER'] })).toMatchObject({
      ok: false,
      reachable: false,
    });
  });
});
