import type { LookupAddress } from 'node:dns';
import type { Resolver } from '@flowbridge/outbound';
import { ApiKeysService } from '@flowbridge/platform';
import { HttpPeer, sendJson } from '@flowbridge/testing';
import { type ConnectionsHarness, startConnections } from './connections-app';

// "Test API Before Deployment" and "test the connection", through the connections service as built,
// against real HTTP peers on 127.0.0.1 (allow-listed). Names are resolved by an injected resolver only.

const CANARY = 'CANARY-bearer-91ac7e';
const names: Record<string, LookupAddress[]> = {};
const resolver: Resolver = async (hostname) => {
  const found = names[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

let svc: ConnectionsHarness;
const business = new HttpPeer();
const canary = new HttpPeer();

beforeAll(async () => {
  await Promise.all([business.start(), canary.start()]);
  names['loopback.example.test'] = [{ address: '127.0.0.1', family: 4 }];
  svc = await startConnections('probe', {
    env: { OUTBOUND_ALLOW_HOSTS: '127.0.0.1' },
    outbound: { resolver },
  });
});

afterAll(async () => {
  await svc?.close();
  await Promise.all([business.stop(), canary.stop()]);
});

beforeEach(() => {
  business.reset();
  canary.reset();
});

async function createConnection(baseUrl: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await svc.call('post', '/connections', {
    title: `Customer API ${Math.random().toString(36).slice(2)}`,
    baseUrl,
    auth: { type: 'bearer', token: CANARY },
    retry: { attempts: 3, delayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

async function createApi(connectionId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await svc.call('post', '/apis', {
    name: `Fetch API Data ${Math.random().toString(36).slice(2)}`,
    connectionId,
    method: 'POST',
    path: '/orders/{{order_id}}',
    body: { order: '{{order}}', note: 'for {{name}}' },
    responseMapping: { order_status: 'data.status', missing: 'data.not.there' },
    ...extra,
  });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

describe('POST /apis/:id/test', () => {
  it('runs the real request and returns api_response, the mapped variables and the attempts', async () => {
    business.handle((_req, res) => sendJson(res, 200, { status: 'shipped', echo: 'ok' }));
    const apiId = await createApi(await createConnection(business.origin));
    const res = await svc.call('post', `/apis/${apiId}/test`, {
      variables: { order_id: 'A 1', order: { id: 1, lines: ['"tea"'] }, name: 'Zoë\n"quoted"' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      api_response: {
        status: 'success',
        statusCode: 200,
        data: { status: 'shipped' },
        error: null,
        attempts: 1,
      },
      variables: { order_status: 'shipped', missing: null },
    });
    const received = business.requests[0];
    expect(received.url).toBe('/orders/A%201');
    expect(received.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(received.headers['idempotency-key']).toMatch(/^test-[0-9a-f-]{36}$/);
    expect(JSON.parse(received.body)).toEqual({
      order: { id: 1, lines: ['"tea"'] },
      note: 'for Zoë\n"quoted"',
    });
    const [attempt] = (res.body as { attempts: Array<Record<string, unknown>> }).attempts;
    expect(attempt).toMatchObject({ attempt: 1, method: 'POST', statusCode: 200, errorCode: null });
    expect((attempt.requestHeaders as Record<string, string>).authorization).toBe('[REDACTED]');
  });

  it('retries 500, 500 and succeeds on attempt 3, with one Idempotency-Key for all', async () => {
    business.handle((_req, res, count) => sendJson(res, count < 3 ? 500 : 200, { count }));
    const apiId = await createApi(await createConnection(business.origin));
    const res = await svc.call('post', `/apis/${apiId}/test`, { variables: { order_id: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ api_response: { status: 'success', attempts: 3, data: { count: 3 } } });
    const keys = new Set(business.requests.map((r) => r.headers['idempotency-key']));
    expect(business.requests).toHaveLength(3);
    expect(keys.size).toBe(1);
  });

  it('a failure is a 200 with api_response.status failure (the flow would take the failure screen)', async () => {
    business.handle((_req, res) => sendJson(res, 404, { error: 'no such order' }));
    const apiId = await createApi(await createConnection(business.origin));
    const res = await svc.call('post', `/apis/${apiId}/test`, { variables: { order_id: 9 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      api_response: { status: 'failure', statusCode: 404, error: { code: 'HTTP_STATUS' }, attempts: 1 },
    });
  });

  it('[D6] never shows the secret in the answer or the logs, even when the API echoes it back', async () => {
    business.handle((req, res) => sendJson(res, 401, { youSent: req.headers.authorization }));
    const apiId = await createApi(await createConnection(business.origin));
    const res = await svc.call('post', `/apis/${apiId}/test`, { variables: {} });
    expect(res.status).toBe(200);
    expect(JSON.stringify((res.body as { attempts: unknown }).attempts)).not.toContain(CANARY);
    expect(svc.logs.text).not.toContain(CANARY);
  });

  it('refuses bad input with a clear error, and another workspace gets 404', async () => {
    const apiId = await createApi(await createConnection(business.origin));
    const notObject = await svc.call('post', `/apis/${apiId}/test`, { variables: 'x' });
    expect(notObject.status).toBe(400);
    expect(notObject.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'variables' });
    const unknownField = await svc.call('post', `/apis/${apiId}/test`, { variables: {}, extra: 1 });
    expect(unknownField.status).toBe(400);
    const missing = await svc.call('post', '/apis/00000000-0000-4000-8000-000000000000/test', {});
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'API_NOT_FOUND' });
    const otherKey = await svc.app.get(ApiKeysService).create('ws-b', 'other');
    const foreign = await svc.call('post', `/apis/${apiId}/test`, {}, otherKey.key);
    expect(foreign.status).toBe(404);
    expect(business.requests).toHaveLength(0);
  });

  it('[B6] a name that resolves to loopback is BLOCKED_ADDRESS and the canary sees nothing', async () => {
    const apiId = await createApi(await createConnection(`https://loopback.example.test:${canary.port}`));
    const res = await svc.call('post', `/apis/${apiId}/test`, { variables: {} });
    expect(res.body).toMatchObject({
      api_response: { status: 'failure', error: { code: 'BLOCKED_ADDRESS' } },
    });
    expect(canary.connections).toBe(0);
  });
});

describe('[issue 17] no internal-DNS oracle', () => {
  // 127.0.0.2 stands for an internal address: refused as not public, and harmless if a broken guard dialled it.
  it('a name the policy refuses is never answered with its addresses or their kind', async () => {
    names['intranet.example.test'] = [{ address: '127.0.0.2', family: 4 }];
    const id = await createConnection(`https://intranet.example.test:${canary.port}`);
    const probe = await svc.call('post', `/connections/${id}/test`);
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ verdict: 'blocked', dns: null, error: { code: 'BLOCKED_ADDRESS' } });
    const apiTest = await svc.call('post', `/apis/${await createApi(id)}/test`, { variables: {} });
    expect(apiTest.body.api_response.error.code).toBe('BLOCKED_ADDRESS');
    for (const res of [probe, apiTest]) {
      expect(res.text).not.toContain('127.0.0.2');
      expect(res.text).not.toMatch(/loopback|private|link-local/);
      expect(res.text).toMatch(
        /intranet.example.test (is not called: )?resolves to an address that is not public/,
      );
    }
    expect(canary.connections).toBe(0);
  });
});

describe('POST /connections/:id/test', () => {
  it('reachable: DNS, no TLS for http, status and latency', async () => {
    business.handle((_req, res) => sendJson(res, 200, {}));
    const id = await createConnection(`${business.origin}/v1`);
    const res = await svc.call('post', `/connections/${id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      verdict: 'reachable',
      url: `${business.origin}/v1`,
      dns: { ok: true, addresses: ['127.0.0.1'] },
      tls: null,
      http: { statusCode: 200 },
      error: null,
    });
    expect(business.requests[0]).toMatchObject({ method: 'GET', url: '/v1' });
    expect(business.requests[0].headers.authorization).toBe(`Bearer ${CANARY}`);
  });

  it('names the problem: credentials refused, server error, nothing listening, no DNS, blocked', async () => {
    business.handle((_req, res) => sendJson(res, 401, {}));
    const refused = await svc.call('post', `/connections/${await createConnection(business.origin)}/test`);
    expect(refused.body).toMatchObject({ verdict: 'auth_failed', http: { statusCode: 401 } });

    business.handle((_req, res) => sendJson(res, 502, {}));
    const broken = await svc.call('post', `/connections/${await createConnection(business.origin)}/test`);
    expect(broken.body).toMatchObject({ verdict: 'server_error', http: { statusCode: 502 } });

    const closed = new HttpPeer();
    await closed.start();
    await closed.stop();
    const down = await svc.call('post', `/connections/${await createConnection(closed.origin)}/test`);
    expect(down.body).toMatchObject({ verdict: 'unreachable', http: null, error: { code: 'NETWORK_ERROR' } });

    const nxdomain = await svc.call(
      'post',
      `/connections/${await createConnection('https://nowhere.example.test')}/test`,
    );
    expect(nxdomain.body).toMatchObject({
      verdict: 'dns_failed',
      dns: { ok: false },
      error: { code: 'DNS_ERROR' },
    });

    const blocked = await svc.call(
      'post',
      `/connections/${await createConnection(`https://loopback.example.test:${canary.port}`)}/test`,
    );
    // The addresses of a refused name are not shown (issue 17: no internal-DNS oracle).
    expect(blocked.body).toMatchObject({ verdict: 'blocked', dns: null, error: { code: 'BLOCKED_ADDRESS' } });
    expect(canary.connections).toBe(0);
  });

  it('404 for an unknown id', async () => {
    const res = await svc.call('post', '/connections/00000000-0000-4000-8000-000000000000/test');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
  });
});
