// The demo workspace `npm start` seeds: the product page's walkthrough, through the public admin API. It is
// idempotent: what already exists (by name, or by phone number for the channel) is left as it is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

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

async function call(base, key, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${json.message ?? text}`);
  return json;
}

/**
 * Creates the connection "Customer API" (the demo business API), the API "Fetch API Data", the channel of
 * the sandbox's number, the published flow "Order status" (examples/order-status-flow.json): its
 * data_exchange goes to First Screen on success and Sample Screen on failure, with an If Statement on
 * `api_response.status is success`; and "Order lookup (form)" (examples/order-lookup-form-flow.json), the same
 * as a WhatsApp form whose footer calls the API through the data endpoint. Returns the ids.
 */
export async function seedDemo({ adminKey, urls, demoApiUrl, channel = DEMO.channel }) {
  const connections = (path, method = 'GET', body) => call(urls.connections, adminKey, method, path, body);
  const flows = (path, method = 'GET', body) => call(urls.flowDefinition, adminKey, method, path, body);
  const messaging = (path, method = 'GET', body) => call(urls.messaging, adminKey, method, path, body);

  const existingChannel = (await messaging('/channels')).items.find(
    (c) => c.phoneNumberId === channel.phoneNumberId,
  );
  const channelId = existingChannel?.id ?? (await messaging('/channels', 'POST', channel)).id;

  const connection =
    (await connections('/connections')).items.find((c) => c.title === DEMO.connection) ??
    (await connections('/connections', 'POST', {
      title: DEMO.connection,
      baseUrl: demoApiUrl,
      timeoutMs: 5000,
    }));
  const api =
    (await connections('/apis')).items.find((a) => a.name === DEMO.api) ??
    (await connections('/apis', 'POST', {
      name: DEMO.api,
      connectionId: connection.id,
      method: 'GET',
      path: '/orders/{{order_id}}',
    }));

  let flow = (await flows('/flows')).items.find((f) => f.name === DEMO.flow);
  if (!flow) {
    const document = JSON.parse(
      readFileSync(join(ROOT, 'examples/order-status-flow.json'), 'utf8').replaceAll('API_ID', api.id),
    );
    flow = await flows('/flows', 'POST', document);
  }
  if (!flow.activeVersion) await flows(`/flows/${flow.id}/publish`, 'POST');
  // Its form is published on the Cloud API (the sandbox) with the data endpoint of the channel.
  let formFlow = (await flows('/flows')).items.find((f) => f.name === DEMO.formFlow);
  if (!formFlow) {
    const document = JSON.parse(
      readFileSync(join(ROOT, 'examples/order-lookup-form-flow.json'), 'utf8').replaceAll('API_ID', api.id),
    );
    formFlow = await flows('/flows', 'POST', document);
  }
  if (!formFlow.activeVersion) await flows(`/flows/${formFlow.id}/publish`, 'POST');
  return { channelId, connectionId: connection.id, apiId: api.id, flowId: flow.id, formFlowId: formFlow.id };
}
