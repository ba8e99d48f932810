// The demo workspace `npm start` seeds: the product page's walkthrough, through the generated admin client. It is
// idempotent: what already exists (by name, or by phone number for the channel) is left as it is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAdminClient, ROOT } from './lib.mjs';

export const DEMO = {
  connection: 'Customer API',
  api: 'Fetch API Data',
  flow: 'Order status',
  /** The same walkthrough as a WhatsApp form (Meta's WhatsApp Flows), sent when the contact says "form". */
  formFlow: 'Order lookup (form)',
  /** The sandbox's default business number (tools/sandbox/src/main.ts). */
  channel: {
    phoneNumberId: '100000000000001',
    displayPhoneNumber: '15550000001',
    wabaId: '200000000000001',
    accessToken: 'sandbox-access-token',
    appSecret: 'sandbox-app-secret',
    verifyToken: 'sandbox-verify-token',
  },
};

/** The generated admin client (libs/api-client, built into dist/), on each service's URL. */
async function adminClient(adminKey, urls) {
  const { createAdminClient, must } = loadAdminClient();
  const api = createAdminClient({ adminKey, baseUrl: urls });
  return { api, must };
}

/**
 * Creates the connection "Customer API" (the demo business API), the API "Fetch API Data", the channel of
 * the sandbox's number, the published flow "Order status" (examples/order-status-flow.json): its
 * data_exchange goes to First Screen on success and Sample Screen on failure, with an If Statement on
 * `api_response.status is success`; and "Order lookup (form)" (examples/order-lookup-form-flow.json), the same
 * as a WhatsApp form whose footer calls the API through the data endpoint. Returns the ids.
 */
export async function seedDemo({ adminKey, urls, demoApiUrl, channel = DEMO.channel }) {
  const { api, must } = await adminClient(adminKey, urls);

  const existingChannel = must(await api.GET('/channels')).items.find(
    (c) => c.phoneNumberId === channel.phoneNumberId,
  );
  const channelId = existingChannel?.id ?? must(await api.POST('/channels', { body: channel })).id;

  const connection =
    must(await api.GET('/connections')).items.find((c) => c.title === DEMO.connection) ??
    must(
      await api.POST('/connections', {
        body: { title: DEMO.connection, baseUrl: demoApiUrl, timeoutMs: 5000 },
      }),
    );
  const fetchApi =
    must(await api.GET('/apis')).items.find((a) => a.name === DEMO.api) ??
    must(
      await api.POST('/apis', {
        body: { name: DEMO.api, connectionId: connection.id, method: 'GET', path: '/orders/{{order_id}}' },
      }),
    );

  const flowNamed = async (name, example) => {
    let flow = must(await api.GET('/flows')).items.find((f) => f.name === name);
    if (!flow) {
      const document = JSON.parse(
        readFileSync(join(ROOT, 'examples', example), 'utf8').replaceAll('API_ID', fetchApi.id),
      );
      flow = must(await api.POST('/flows', { body: document }));
    }
    // A form is published on the Cloud API (the sandbox) with the data endpoint of the channel.
    if (!flow.activeVersion)
      must(await api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }));
    return flow;
  };
  const flow = await flowNamed(DEMO.flow, 'order-status-flow.json');
  const formFlow = await flowNamed(DEMO.formFlow, 'order-lookup-form-flow.json');
  return {
    channelId,
    connectionId: connection.id,
    apiId: fetchApi.id,
    flowId: flow.id,
    formFlowId: formFlow.id,
  };
}
