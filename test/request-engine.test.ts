import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import type { Server } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import { gzipSync } from 'node:zlib';
import type { ResolvedApi, ResolvedConnection } from '@flowbridge/contracts';
import {
  guardedLookup,
  parseAllowList,
  RequestEngine,
  type RequestEngineOptions,
  type Resolver,
  SharedStateError,
} from '@flowbridge/outbound';
import {
  type ConnectRecord,
  HttpPeer,
  recordingAgents,
  selfSignedCertificate,
  sendJson,
  testPrefix,
  testRedisUrl,
} from '@flowbridge/testing';
import { Redis } from 'ioredis';

// Every peer listens on 127.0.0.1. Agents are injected that record each connect and refuse any literal
// address that is not loopback, so that no test can dial a real host even if the guard were broken.

const redis = new Redis(testRedisUrl(), { lazyConnect: false });
const prefix = `${testPrefix('engine')}:`;
const api = new HttpPeer();
const other = new HttpPeer();
const tokens = new HttpPeer();
const canary = new HttpPeer((_req, res) => {
  res.end('canary');
});
const connects: ConnectRecord[] = [];
const engines: RequestEngine[] = [];

/** Names the tests resolve; everything else is NXDOMAIN. Never real DNS. */
const names: Record<string, LookupAddress[]> = {};
const resolver: Resolver = async (hostname) => {
  const found = names[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

function engine(options: Partial<RequestEngineOptions> & { allow?: string[] } = {}): RequestEngine {
  const created = new RequestEngine({
    allowList: parseAllowList(options.allow ?? [api.host, other.host, tokens.host]),
    redis,
    redisPrefix: prefix,
    agents: {
      guarded: recordingAgents(connects, guardedLookup(resolver)),
      open: recordingAgents(connects),
    },
    ...options,
  });
  engines.push(created);
  return created;
}

function connectionFor(origin: string, patch: Partial<ResolvedConnection> = {}): ResolvedConnection {
  return {
    id: randomUUID(),
    workspaceId: 'ws-a',
    title: 'Customer API',
    baseUrl: origin,
    auth: { type: 'none' },
    headers: {},
    secretHeaders: [],
    timeoutMs: 2_000,
    retry: { attempts: 3, backoff: 'exponential', delayMs: 10, maxDelayMs: 40 },
    rateLimit: null,
    updatedAt: new Date().toISOString(),
    ...patch,
  };
}

function apiFor(connection: ResolvedConnection, patch: Partial<ResolvedApi> = {}): ResolvedApi {
  return {
    id: randomUUID(),
    workspaceId: connection.workspaceId,
    name: 'Fetch API Data',
    method: 'GET',
    path: '/orders/{{order_id}}',
    query: {},
    headers: {},
    secretHeaders: [],
    body: null,
    successWhen: { status: ['2xx'] },
    responseMapping: {},
    idempotencyKey: false,
    timeoutMs: connection.timeoutMs,
    retry: connection.retry,
    updatedAt: connection.updatedAt,
    ...patch,
  };
}

const waits: number[] = [];
const noSleep = async (ms: number): Promise<void> => {
  waits.push(ms);
};

beforeAll(async () => {
  await Promise.all([api.start(), other.start(), tokens.start(), canary.start()]);
});

beforeEach(() => {
  for (const peer of [api, other, tokens, canary]) peer.reset();
  connects.length = 0;
  waits.length = 0;
});

afterAll(async () => {
  for (const created of engines) created.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await Promise.all([api.stop(), other.stop(), tokens.stop(), canary.stop()]);
});

describe('a call and its api_response', () => {
  it('parses a JSON body, keeps selected headers and maps variables (missing paths give null)', async () => {
    api.handle((req, res) =>
      sendJson(
        res,
        200,
        { status: 'shipped', items: [{ name: 'Tea' }], paid: true },
        {
          'x-request-id': 'r-1',
          'set-cookie': 'session=abc',
        },
      ),
    );
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({
      connection,
      api: apiFor(connection, {
        responseMapping: {
          order_status: 'data.status',
          first: 'data.items.0.name',
          missing: 'data.nope.deeper',
        },
      }),
      variables: { order_id: 'A/42 ü' },
    });
    expect(api.requests[0].url).toBe('/orders/A%2F42%20%C3%BC');
    expect(result.response).toMatchObject({
      status: 'success',
      statusCode: 200,
      data: { status: 'shipped', items: [{ name: 'Tea' }], paid: true },
      error: null,
      attempts: 1,
      truncated: false,
    });
    expect(result.response.headers['x-request-id']).toBe('r-1');
    expect(result.response.headers['set-cookie']).toBeUndefined();
    expect(result.variables).toEqual({ order_status: 'shipped', first: 'Tea', missing: null });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ attempt: 1, method: 'GET', statusCode: 200, errorCode: null });
  });

  it('keeps a text body as text, and flags a body that claims JSON but does not parse', async () => {
    api.handle((req, res) => {
      if (req.url.startsWith('/orders/text')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain words');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"broken": ');
      }
    });
    const connection = connectionFor(api.origin);
    const text = await engine().runInline({
      connection,
      api: apiFor(connection),
      variables: { order_id: 'text' },
    });
    expect(text.response.data).toBe('plain words');
    expect(text.response.invalidJson).toBeUndefined();
    const broken = await engine().runInline({
      connection,
      api: apiFor(connection),
      variables: { order_id: 'json' },
    });
    expect(broken.response).toMatchObject({ status: 'success', data: '{"broken": ', invalidJson: true });
  });

  it('decides success by successWhen, status and body condition', async () => {
    api.handle((_req, res) => sendJson(res, 200, { ok: false }));
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({
      connection,
      api: apiFor(connection, {
        successWhen: { status: ['2xx'], body: { path: 'ok', operator: 'is', value: 'true' } },
      }),
      variables: { order_id: 1 },
    });
    expect(result.response.status).toBe('failure');
    expect(result.response.error?.code).toBe('HTTP_STATUS');
    expect(result.attempts).toHaveLength(1);
  });

  it('inflates a gzip body', async () => {
    api.handle((_req, res) => {
      const body = gzipSync(JSON.stringify({ zipped: true }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(body);
    });
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} });
    expect(result.response.data).toEqual({ zipped: true });
  });
});

describe('retries', () => {
  it('[F10] 500, 500, 200 → success on attempt 3, with the same Idempotency-Key on every attempt', async () => {
    api.handle((_req, res, count) => sendJson(res, count < 3 ? 500 : 200, { count }));
    const connection = connectionFor(api.origin);
    const result = await engine().runInline(
      {
        connection,
        api: apiFor(connection, { method: 'POST', body: { id: '{{order_id}}' }, idempotencyKey: true }),
        variables: { order_id: 7 },
        idempotencyKey: 'step-key-1',
      },
      noSleep,
    );
    expect(result.response).toMatchObject({
      status: 'success',
      statusCode: 200,
      attempts: 3,
      data: { count: 3 },
    });
    expect(result.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(api.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'step-key-1',
      'step-key-1',
      'step-key-1',
    ]);
    expect(waits).toHaveLength(2);
    // Full jitter below the capped exponential step: delay 10 → below 10, then below 20.
    expect(waits[0]).toBeLessThan(10);
    expect(waits[1]).toBeLessThan(20);
  });

  it('sends no Idempotency-Key on GET, or when the API turns it off', async () => {
    api.handle((_req, res) => sendJson(res, 200, {}));
    const connection = connectionFor(api.origin);
    await engine().runInline({
      connection,
      api: apiFor(connection, { idempotencyKey: false, method: 'POST' }),
      variables: {},
      idempotencyKey: 'k',
    });
    expect(api.requests[0].headers['idempotency-key']).toBeUndefined();
  });

  it('[F10] stops after the policy attempts and returns the last failure', async () => {
    api.handle((_req, res) => sendJson(res, 503, { down: true }));
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} }, noSleep);
    expect(result.response).toMatchObject({ status: 'failure', statusCode: 503, attempts: 3 });
    expect(result.response.error?.code).toBe('HTTP_STATUS');
    expect(api.requests).toHaveLength(3);
  });

  it('400 → no retry', async () => {
    api.handle((_req, res) => sendJson(res, 400, { error: 'bad' }));
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} }, noSleep);
    expect(result.response).toMatchObject({ status: 'failure', statusCode: 400, attempts: 1 });
    expect(api.requests).toHaveLength(1);
    expect(waits).toHaveLength(0);
  });

  it('[F12] 429 with Retry-After → the wait is honoured and does not use up an attempt', async () => {
    api.handle((_req, res, count) =>
      count === 1 ? sendJson(res, 429, {}, { 'retry-after': '1' }) : sendJson(res, 200, { ok: true }),
    );
    const connection = connectionFor(api.origin, {
      retry: { attempts: 1, backoff: 'fixed', delayMs: 10, maxDelayMs: 10 },
    });
    const started = Date.now();
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} });
    expect(result.response).toMatchObject({ status: 'success', attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(api.requests).toHaveLength(2);
  });

  it('[F12] a Retry-After beyond the cap ends the step instead of waiting', async () => {
    api.handle((_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' }));
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} }, noSleep);
    expect(result.response).toMatchObject({ status: 'failure', statusCode: 429, attempts: 1 });
  });

  it('[F10] a refused connection is a NETWORK_ERROR, retried', async () => {
    const closed = new HttpPeer();
    await closed.start();
    await closed.stop();
    const connection = connectionFor(closed.origin);
    const result = await engine({ allow: [closed.host] }).runInline(
      { connection, api: apiFor(connection), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('NETWORK_ERROR');
    expect(result.attempts).toHaveLength(3);
  });

  it('a name that does not resolve is a DNS_ERROR', async () => {
    const connection = connectionFor('https://nowhere.example.test');
    const result = await engine().runInline(
      { connection, api: apiFor(connection, { retry: { ...connection.retry, attempts: 1 } }), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('DNS_ERROR');
  });
});

describe('limits', () => {
  it('[F10][F11] a hanging server → TIMEOUT after the per-attempt timeout', async () => {
    api.handle(() => undefined);
    const connection = connectionFor(api.origin, { timeoutMs: 300 });
    const started = Date.now();
    const result = await engine().runInline(
      { connection, api: apiFor(connection, { retry: { ...connection.retry, attempts: 1 } }), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('TIMEOUT');
    expect(result.response.statusCode).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('[F11][B9] a slow drip cannot outlive the attempt timeout, and the step deadline bounds the retries', async () => {
    const drips: NodeJS.Timeout[] = [];
    api.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      drips.push(setInterval(() => res.write('.'), 50));
    });
    const connection = connectionFor(api.origin, {
      timeoutMs: 400,
      retry: { attempts: 10, backoff: 'fixed', delayMs: 1, maxDelayMs: 1 },
    });
    const result = await engine()
      .runInline({
        connection,
        api: apiFor(connection),
        variables: {},
        deadlineAt: Date.now() + 1_000,
      })
      .finally(() => drips.forEach(clearInterval));
    expect(result.response.error?.code).toBe('TIMEOUT');
    // Each attempt lasts its full 400 ms: a 1 s deadline leaves room for at most three.
    expect(result.attempts.length).toBeGreaterThanOrEqual(2);
    expect(result.attempts.length).toBeLessThanOrEqual(3);
  });

  it('[B9] a 50 MB body is cut at the limit and marked; the rest is never downloaded', async () => {
    let written = 0;
    api.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 50 * 1024 * 1024 });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} }, noSleep);
    expect(result.response).toMatchObject({
      status: 'failure',
      statusCode: 200,
      truncated: true,
      attempts: 1,
    });
    expect(result.response.error?.code).toBe('RESPONSE_TOO_LARGE');
    expect(typeof result.response.data).toBe('string');
    expect((result.response.data as string).length).toBe(1024 * 1024);
    expect(result.attempts[0]).toMatchObject({ truncated: true, responseSize: 50 * 1024 * 1024 });
    expect(result.attempts[0].responseBody?.length).toBe(10 * 1024);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
  });

  it('[B9] a gzip bomb stops inflating at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    api.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const connection = connectionFor(api.origin);
    const result = await engine({ maxResponseBytes: 256 * 1024 }).runInline(
      { connection, api: apiFor(connection), variables: {} },
      noSleep,
    );
    expect(bomb.length).toBeLessThan(256 * 1024);
    expect(result.response).toMatchObject({ truncated: true });
    expect(result.response.error?.code).toBe('RESPONSE_TOO_LARGE');
    expect((result.response.data as string).length).toBe(256 * 1024);
  });
});

describe('auth', () => {
  beforeEach(() => api.handle((_req, res) => sendJson(res, 200, { ok: true })));

  it.each([
    [
      'bearer',
      { type: 'bearer', token: 'tok-123456' },
      (r: (typeof api.requests)[0]) => r.headers.authorization,
      'Bearer tok-123456',
    ],
    [
      'basic',
      { type: 'basic', username: 'ann', password: 'p@ss:word' },
      (r: (typeof api.requests)[0]) => r.headers.authorization,
      `Basic ${Buffer.from('ann:p@ss:word').toString('base64')}`,
    ],
    [
      'api key in a header',
      { type: 'api_key', name: 'X-Api-Key', in: 'header', value: 'key-abcdef' },
      (r: (typeof api.requests)[0]) => r.headers['x-api-key'],
      'key-abcdef',
    ],
    [
      'api key in the query',
      { type: 'api_key', name: 'api_key', in: 'query', value: 'key&=?/ü' },
      (r: (typeof api.requests)[0]) => new URL(r.url, 'http://x').searchParams.get('api_key'),
      'key&=?/ü',
    ],
  ] as const)('%s reaches the server as expected', async (_name, auth, read, expected) => {
    const connection = connectionFor(api.origin, { auth: auth as ResolvedConnection['auth'] });
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} });
    expect(result.response.status).toBe('success');
    expect(read(api.requests[0])).toBe(expected);
  });

  describe('OAuth2 client credentials', () => {
    let issued = 0;
    const oauthConnection = (): ResolvedConnection =>
      connectionFor(api.origin, {
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: `${tokens.origin}/oauth/token`,
          clientId: 'client-1',
          clientSecret: 'client-secret-canary',
          scope: 'orders:read',
        },
      });

    beforeEach(() => {
      tokens.handle((req, res) => {
        issued += 1;
        sendJson(res, 200, { access_token: `access-${issued}-xyz`, token_type: 'Bearer', expires_in: 3600 });
      });
    });

    it('fetches a token once, caches it in Redis (sealed), and sends it as a bearer token', async () => {
      const connection = oauthConnection();
      const e = engine();
      await e.runInline({ connection, api: apiFor(connection), variables: {} });
      await engine().runInline({ connection, api: apiFor(connection), variables: {} });
      expect(tokens.requests).toHaveLength(1);
      const tokenRequest = tokens.requests[0];
      expect(tokenRequest.headers.authorization).toBe(
        `Basic ${Buffer.from('client-1:client-secret-canary').toString('base64')}`,
      );
      expect(Object.fromEntries(new URLSearchParams(tokenRequest.body))).toEqual({
        grant_type: 'client_credentials',
        scope: 'orders:read',
      });
      const sent = api.requests.map((r) => r.headers.authorization);
      expect(sent).toEqual([`Bearer access-${issued}-xyz`, `Bearer access-${issued}-xyz`]);
      const cached = await redis.keys(`${prefix}oauth2:${connection.id}:*`);
      expect(cached).toHaveLength(1);
      const stored = await redis.get(cached[0]);
      expect(stored).not.toContain(`access-${issued}-xyz`);
      expect(stored).not.toContain('client-secret-canary');
    });

    it('refreshes once on a 401 and succeeds with the new token', async () => {
      const connection = oauthConnection();
      await engine().runInline({ connection, api: apiFor(connection), variables: {} });
      const stale = `Bearer access-${issued}-xyz`;
      api.handle((req, res) => sendJson(res, req.headers.authorization === stale ? 401 : 200, {}));
      const result = await engine().runInline(
        { connection, api: apiFor(connection), variables: {} },
        noSleep,
      );
      expect(result.response).toMatchObject({ status: 'success', attempts: 1 });
      expect(tokens.requests).toHaveLength(2);
      expect(api.requests.map((r) => r.headers.authorization)).toEqual([
        stale,
        stale,
        `Bearer access-${issued}-xyz`,
      ]);
    });

    it('a failing token request is AUTH_FAILED, not retried when the client is refused', async () => {
      tokens.handle((_req, res) =>
        sendJson(res, 401, { error: 'invalid_client', error_description: 'nope' }),
      );
      const connection = oauthConnection();
      const result = await engine().runInline(
        { connection, api: apiFor(connection), variables: {} },
        noSleep,
      );
      expect(result.response.error).toEqual({
        code: 'AUTH_FAILED',
        message: 'the token endpoint answered HTTP 401 (invalid_client)',
      });
      expect(result.attempts).toHaveLength(1);
      expect(api.requests).toHaveLength(0);
    });

    it('a token server that is down is AUTH_FAILED and retried', async () => {
      tokens.handle((_req, res) => sendJson(res, 503, {}));
      const connection = oauthConnection();
      const result = await engine().runInline(
        { connection, api: apiFor(connection), variables: {} },
        noSleep,
      );
      expect(result.response.error?.code).toBe('AUTH_FAILED');
      expect(result.attempts).toHaveLength(3);
    });
  });
});

describe('request bodies', () => {
  it('values with quotes, newlines, {{x}}, unicode and nested objects make valid JSON', async () => {
    api.handle((_req, res) => sendJson(res, 200, {}));
    const connection = connectionFor(api.origin);
    const variables = {
      name: 'Ann "The" O\'Neil\n{{secret}}',
      emoji: 'ü 🎉 \u2028',
      order: { id: 1, tags: ['a', '"b"'], nested: { deep: null } },
      secret: 'must-not-appear',
    };
    const result = await engine().runInline({
      connection,
      api: apiFor(connection, {
        method: 'POST',
        path: '/orders',
        body: {
          customer: '{{name}}',
          note: 'for {{name}} {{emoji}}',
          order: '{{order}}',
          list: ['{{emoji}}'],
        },
      }),
      variables,
    });
    expect(result.response.status).toBe('success');
    expect(JSON.parse(api.requests[0].body)).toEqual({
      customer: variables.name,
      note: `for ${variables.name} ${variables.emoji}`,
      order: variables.order,
      list: [variables.emoji],
    });
    expect(api.requests[0].body).not.toContain('must-not-appear');
    expect(api.requests[0].headers['content-type']).toBe('application/json');
  });

  it('[B10] a template that breaks the path is TEMPLATE_ERROR, not retried, and nothing is sent', async () => {
    const connection = connectionFor(api.origin);
    const result = await engine().runInline(
      { connection, api: apiFor(connection, { path: '/a/{{x}}/b' }), variables: { x: '..' } },
      noSleep,
    );
    expect(result.response.error?.code).toBe('TEMPLATE_ERROR');
    expect(result.attempts).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });
});

describe('[B6][B8] outbound policy (allow-list empty)', () => {
  // CANARY stands for the canary's port, known only once it listens.
  const targets = [
    'http://127.0.0.1:CANARY',
    'http://127.1:CANARY',
    'http://2130706433:CANARY',
    'http://0x7f000001:CANARY',
    'http://0177.0.0.1:CANARY',
    'http://[::1]:CANARY',
    'http://[::ffff:127.0.0.1]:CANARY',
    'http://localhost.:CANARY',
    'http://169.254.169.254/latest/meta-data',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://10.0.0.1/',
    'http://public-looking.example.test:CANARY',
    'file:///etc/passwd',
    'data:text/plain,hello',
    'gopher://127.0.0.1:70/',
  ];

  it.each(targets)('%s → BLOCKED_ADDRESS, nothing dialled', async (target) => {
    names['public-looking.example.test'] = [{ address: '127.0.0.1', family: 4 }];
    const url = target.replace('CANARY', String(canary.port));
    const connection = connectionFor(url);
    const result = await engine({ allow: [] }).runInline(
      { connection, api: apiFor(connection, { path: '' }), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('BLOCKED_ADDRESS');
    expect(result.attempts).toHaveLength(1);
    expect(canary.connections).toBe(0);
    expect(
      connects.filter((c) => !['127.0.0.1', '::1', 'public-looking.example.test'].includes(c.host)),
    ).toEqual([]);
  });

  it('the canary does count a connection when one is made (sanity)', async () => {
    const connection = connectionFor(canary.origin);
    await engine({ allow: [canary.host] }).runInline({
      connection,
      api: apiFor(connection, { path: '' }),
      variables: {},
    });
    expect(canary.connections).toBe(1);
  });

  it.each([
    ['loopback', (): string => `http://127.0.0.1:${canary.port}/`],
    ['metadata', (): string => 'http://169.254.169.254/latest/meta-data'],
    ['a name resolving to loopback', (): string => `http://public-looking.example.test:${canary.port}/`],
  ])('a redirect from an allowed host to %s is refused', async (_name, target) => {
    names['public-looking.example.test'] = [{ address: '127.0.0.1', family: 4 }];
    api.handle((_req, res) => {
      res.writeHead(302, { location: target() });
      res.end();
    });
    const connection = connectionFor(api.origin);
    const result = await engine({ allow: [api.host] }).runInline(
      { connection, api: apiFor(connection), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('BLOCKED_ADDRESS');
    expect(api.requests).toHaveLength(1);
    expect(canary.connections).toBe(0);
    expect(
      connects.map((c) => c.host).filter((h) => h !== '127.0.0.1' && h !== 'public-looking.example.test'),
    ).toEqual([]);
  });

  it('[B8] more than 5 redirects → TOO_MANY_REDIRECTS', async () => {
    api.handle((req, res) => {
      res.writeHead(302, { location: `/hop${api.requests.length}` });
      res.end();
    });
    const connection = connectionFor(api.origin);
    const result = await engine().runInline({ connection, api: apiFor(connection), variables: {} }, noSleep);
    expect(result.response.error?.code).toBe('TOO_MANY_REDIRECTS');
    expect(api.requests).toHaveLength(6);
  });

  it('[B8] credentials follow a redirect on the same host and are dropped when it leaves the host', async () => {
    other.handle((_req, res) => sendJson(res, 200, { landed: 'other' }));
    api.handle((req, res) => {
      if (req.url.startsWith('/orders/')) {
        res.writeHead(307, { location: '/moved' });
      } else {
        res.writeHead(302, { location: `${other.origin}/elsewhere?keep=1&key=q-secret-1` });
      }
      res.end();
    });
    const connection = connectionFor(api.origin, {
      auth: { type: 'api_key', name: 'key', in: 'query', value: 'q-secret-1' },
      headers: { authorization: 'Bearer header-secret-1', 'x-trace': 'kept' },
    });
    const result = await engine().runInline({
      connection,
      api: apiFor(connection),
      variables: { order_id: 1 },
    });
    expect(result.response.data).toEqual({ landed: 'other' });
    expect(result.attempts[0].redirects).toEqual([api.host, other.host]);
    expect(api.requests[0].url).toContain('key=q-secret-1');
    expect(api.requests[1].headers.authorization).toBe('Bearer header-secret-1');
    expect(other.requests[0].headers.authorization).toBeUndefined();
    expect(other.requests[0].url).toBe('/elsewhere?keep=1');
    expect(other.requests[0].headers['x-trace']).toBe('kept');
  });

  it.each([302, 307])(
    '[issue 17] a %i to another origin (another port) carries no secret header, token, query key or body; the same origin keeps them',
    async (status) => {
      const secrets = {
        bearer: 'bearer-XFER-1111',
        connectionHeader: 'conn-header-XFER-2222',
        apiHeader: 'api-header-XFER-3333',
        query: 'query-key-XFER-4444',
        inBody: 'body-secret-XFER-5555',
      };
      other.handle((req, res) => sendJson(res, 200, { landed: req.method }));
      api.handle((req, res) => {
        // First a hop on the same origin (everything kept), then one to the other port.
        const query = req.url.split('?')[1] ?? '';
        res.writeHead(status, {
          location: req.url.startsWith('/orders/')
            ? `/moved?${query}`
            : `${other.origin}/elsewhere?keep=1${query.includes('key=') ? `&key=${secrets.query}` : ''}`,
        });
        res.end();
      });
      for (const auth of [
        { type: 'bearer' as const, token: secrets.bearer },
        { type: 'api_key' as const, name: 'key', in: 'query' as const, value: secrets.query },
      ]) {
        api.reset();
        other.reset();
        const connection = connectionFor(api.origin, {
          auth,
          headers: { 'x-conn-secret': secrets.connectionHeader, 'x-trace': 'kept' },
          secretHeaders: ['x-conn-secret'],
        });
        const result = await engine({ allow: [api.host, other.host] }).runInline({
          connection,
          api: apiFor(connection, {
            method: 'POST',
            headers: { 'x-api-secret': secrets.apiHeader },
            secretHeaders: ['x-api-secret'],
            body: { order: '{{order_id}}', token: secrets.inBody },
          }),
          variables: { order_id: 7 },
        });
        expect(result.response.status).toBe('success');
        expect(result.attempts[0].redirects).toEqual([api.host, other.host]);
        // Same origin: the secrets and, on a 307, the body went along.
        const hop = api.requests[1];
        expect(hop.headers['x-conn-secret']).toBe(secrets.connectionHeader);
        expect(hop.headers['x-api-secret']).toBe(secrets.apiHeader);
        if (auth.type === 'bearer') expect(hop.headers.authorization).toBe(`Bearer ${secrets.bearer}`);
        else expect(hop.url).toContain(`key=${secrets.query}`);
        if (status === 307) expect(hop.body).toContain(secrets.inBody);
        // Another origin: none of it.
        expect(other.requests).toHaveLength(1);
        const landed = other.requests[0];
        const everything = JSON.stringify({ url: landed.url, headers: landed.headers, body: landed.body });
        for (const value of Object.values(secrets)) expect(everything).not.toContain(value);
        expect(landed.body).toBe('');
        expect(landed.url).toBe('/elsewhere?keep=1');
        expect(landed.headers['x-trace']).toBe('kept');
        expect(landed.headers['x-conn-secret']).toBeUndefined();
        expect(landed.headers['x-api-secret']).toBeUndefined();
        expect(landed.headers.authorization).toBeUndefined();
        expect(landed.method).toBe(status === 307 ? 'POST' : 'GET');
      }
    },
  );
});

describe('TLS', () => {
  const { key, cert } = selfSignedCertificate();
  let secure: Server;
  let securePort = 0;

  beforeAll(async () => {
    secure = createHttpsServer({ key, cert }, (req, res) => {
      if (req.url === '/downgrade') {
        res.writeHead(302, { location: `${api.origin}/plain` });
        res.end();
      } else sendJson(res, 200, { secure: true });
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    securePort = (secure.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((resolve) => secure.close(() => resolve())));

  const trusting = (): RequestEngine =>
    engine({
      allow: ['127.0.0.1'],
      agents: {
        guarded: recordingAgents(connects, guardedLookup(resolver)),
        open: recordingAgents(connects, undefined, cert),
      },
    });

  it('an untrusted certificate is TLS_ERROR, not retried', async () => {
    const connection = connectionFor(`https://127.0.0.1:${securePort}`);
    const result = await engine({ allow: ['127.0.0.1'] }).runInline(
      { connection, api: apiFor(connection, { path: '/x' }), variables: {} },
      noSleep,
    );
    expect(result.response.error?.code).toBe('TLS_ERROR');
    expect(result.attempts).toHaveLength(1);
  });

  it('[B8] a trusted one works, and a redirect from https down to http is refused', async () => {
    const connection = connectionFor(`https://127.0.0.1:${securePort}`);
    const ok = await trusting().runInline({
      connection,
      api: apiFor(connection, { path: '/x' }),
      variables: {},
    });
    expect(ok.response.error).toBeNull();
    expect(ok.response).toMatchObject({ status: 'success', data: { secure: true } });
    const down = await trusting().runInline(
      { connection, api: apiFor(connection, { path: '/downgrade' }), variables: {} },
      noSleep,
    );
    expect(down.response.error?.code).toBe('BLOCKED_ADDRESS');
    expect(down.response.error?.message).toContain('downgrades https to http');
    expect(api.requests).toHaveLength(0);
  });
});

describe('protection per connection', () => {
  it('[F13] opens the circuit after repeated failures, fails fast, half-opens after the cool-down; others unaffected', async () => {
    api.handle((_req, res) => sendJson(res, 500, {}));
    other.handle((_req, res) => sendJson(res, 200, {}));
    const e = engine({ breaker: { threshold: 3, coolDownMs: 300 } });
    const a = connectionFor(api.origin, {
      retry: { attempts: 1, backoff: 'fixed', delayMs: 1, maxDelayMs: 1 },
    });
    const b = connectionFor(other.origin);
    for (let i = 0; i < 3; i++) await e.runInline({ connection: a, api: apiFor(a), variables: {} }, noSleep);
    expect(api.requests).toHaveLength(3);

    const open = await e.runInline({ connection: a, api: apiFor(a), variables: {} }, noSleep);
    expect(open.response.error?.code).toBe('CIRCUIT_OPEN');
    expect(api.requests).toHaveLength(3);
    expect((await e.runInline({ connection: b, api: apiFor(b), variables: {} })).response.status).toBe(
      'success',
    );

    await new Promise((resolve) => setTimeout(resolve, 350));
    api.handle((_req, res) => sendJson(res, 200, {}));
    const probe = await e.runInline({ connection: a, api: apiFor(a), variables: {} }, noSleep);
    expect(probe.response.status).toBe('success');
    expect((await e.runInline({ connection: a, api: apiFor(a), variables: {} })).response.status).toBe(
      'success',
    );
    expect(api.requests).toHaveLength(5);
  });

  it('a rate limit shared through Redis: requests spaced 1/rate apart; a slot over a second away is refused, not sent nor counted', async () => {
    const arrived: number[] = [];
    api.handle((_req, res) => {
      arrived.push(Date.now());
      sendJson(res, 200, {});
    });
    const connection = connectionFor(api.origin, { rateLimit: 2 });
    const input = {
      connection,
      api: apiFor(connection),
      variables: {},
      countedAttempts: 0,
      startedAt: Date.now(),
      attempt: 1,
    };
    // Four engines stand for four processes at once: they share the limit. Slots at 0, 0.5, 1 and 1.5 s: the
    // first three wait for theirs; the fourth is further off than an attempt waits.
    const results = await Promise.all(Array.from({ length: 4 }, () => engine().attempt(input)));
    const refused = results.filter((r) => r.response.status === 'failure');
    expect(results.filter((r) => r.response.status === 'success')).toHaveLength(3);
    expect(refused).toHaveLength(1);
    expect(refused[0].response.error?.code).toBe('RATE_LIMITED');
    expect(refused[0].retry?.counted).toBe(false);
    expect(refused[0].retry?.afterMs).toBeGreaterThan(1_000);
    expect(refused[0].retry?.afterMs).toBeLessThanOrEqual(1_600);
    expect(api.requests).toHaveLength(3);
    // Never two within one slot of each other: the API never sees more than 2 in any second.
    expect(arrived[1] - arrived[0]).toBeGreaterThanOrEqual(450);
    expect(arrived[2] - arrived[1]).toBeGreaterThanOrEqual(450);
  });
});

describe('Redis out of reach', () => {
  it('is thrown as SharedStateError, not turned into an api_response of the business API', async () => {
    const closed = new HttpPeer();
    await closed.start();
    await closed.stop();
    const offline = new Redis({
      port: closed.port,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const e = engine({ redis: offline });
    const connection = connectionFor(api.origin, { rateLimit: 5 });
    await expect(
      e.attempt({
        connection,
        api: apiFor(connection),
        variables: {},
        attempt: 1,
        countedAttempts: 0,
        startedAt: Date.now(),
      }),
    ).rejects.toBeInstanceOf(SharedStateError);
    expect(api.requests).toHaveLength(0);
    offline.disconnect();
  });
});

describe('the call log', () => {
  it('[D6] keeps no secret: canary values in auth, secret headers and query, echoed back by the API, on errors too', async () => {
    const secrets = { query: 'CANARY-q-7f3a9c1e', header: 'CANARY-h-52be01', bearer: 'CANARY-b-d00d1e' };
    api.handle((req, res) =>
      sendJson(res, req.url.includes('fail') ? 500 : 401, {
        youSent: req.headers,
        url: req.url,
        hint: `your partner key ${secrets.header} is not valid`,
      }),
    );
    const connection = connectionFor(api.origin, {
      auth: { type: 'api_key', name: 'key', in: 'query', value: secrets.query },
      headers: { 'x-partner': secrets.header, authorization: `Bearer ${secrets.bearer}` },
      secretHeaders: ['x-partner', 'authorization'],
    });
    const results = await Promise.all(
      ['ok', 'fail'].map((order_id) =>
        engine().runInline(
          {
            connection,
            api: apiFor(connection, { method: 'POST', body: { id: '{{order_id}}', echo: '{{echo}}' } }),
            variables: { order_id, echo: secrets.query },
          },
          noSleep,
        ),
      ),
    );
    const logs = JSON.stringify(results.map((r) => r.attempts));
    expect(results[1].attempts.length).toBe(3);
    expect(logs).toContain('[REDACTED]');
    expect(logs).not.toContain('CANARY');
    // The secrets did reach the API: the masking is in the log, not in the request.
    expect(api.requests.every((r) => r.headers['x-partner'] === secrets.header)).toBe(true);
    expect(api.requests[0].url).toContain(secrets.query);
  });

  it('[issue 17] masks a bearer token the API echoes back base64-, base64url- and URL-encoded, in the log and in api_response', async () => {
    const token = 'tok/EN+with?odd=chars-91fe27';
    api.handle((req, res) => {
      const got = String(req.headers.authorization).replace(/^Bearer /, '');
      const b64 = Buffer.from(got).toString('base64');
      res.setHeader('x-echo', b64);
      sendJson(res, 200, {
        base64: b64,
        unpadded: b64.replace(/=+$/, ''),
        base64url: Buffer.from(got).toString('base64url'),
        urlEncoded: encodeURIComponent(got),
        status: 'ok',
      });
    });
    const connection = connectionFor(api.origin, { auth: { type: 'bearer', token } });
    const result = await engine().runInline({
      connection,
      api: apiFor(connection),
      variables: { order_id: 1 },
    });
    expect(result.response.status).toBe('success');
    const everything = JSON.stringify({ response: result.response, attempts: result.attempts });
    for (const form of [
      token,
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64').replace(/=+$/, ''),
      Buffer.from(token).toString('base64url'),
      encodeURIComponent(token),
    ])
      expect(everything).not.toContain(form);
    expect(result.response.data).toMatchObject({
      base64: '[REDACTED]',
      urlEncoded: '[REDACTED]',
      status: 'ok',
    });
  });
});
