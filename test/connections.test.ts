import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectionsResolveResponse, EventPattern, RpcPattern } from '@flowbridge/contracts';
import {
  ApiKeysService,
  openRpcMessage,
  rpcClientOptions,
  TEST_INTERNAL_KEY,
  Tenancy,
} from '@flowbridge/platform';
import { endpointsOf, testRedisUrl, until } from '@flowbridge/testing';
import { ClientProxyFactory, type ClientProxy } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { register } from 'prom-client';
import { firstValueFrom, timeout } from 'rxjs';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { observe } from './reliability/harness/observe';

// Secrets written through the API in this file; none may come back in a response or a log line.
const SECRETS = {
  bearer: 'bearer-secret-AAAA-1111-zzzz',
  basicPassword: 'basic-password-BBBB',
  apiKeyValue: 'api-key-value-CCCC-2222',
  clientSecret: 'oauth-client-secret-DDDD',
  headerSecret: 'header-secret-EEEE-3333',
  apiHeader: 'api-header-token-FFFF-4444',
};

describe('connections service (HTTP + RPC, real Postgres and Redis)', () => {
  let h: ConnectionsHarness;
  let keyB: string;

  beforeAll(async () => {
    h = await startConnections('connections', { rpc: true });
    keyB = (await h.app.get(ApiKeysService).create('ws-b', 'test key B')).key;
  });

  afterAll(async () => {
    await h?.close();
  });

  const customerApi = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    title: 'Customer API',
    baseUrl: 'https://api.example.com/data',
    auth: { type: 'bearer', token: SECRETS.bearer },
    headers: { 'X-Client': 'flowbridge', 'X-Signature': { secret: SECRETS.headerSecret } },
    timeoutMs: 5000,
    retry: { attempts: 2, backoff: 'fixed', delayMs: 100, maxDelayMs: 1000 },
    rateLimit: 5,
    ...overrides,
  });

  describe('connections CRUD', () => {
    let id: string;

    it('[D5] creates a connection and answers with secrets masked', async () => {
      const res = await h.call('post', '/connections', customerApi());
      expect(res.status).toBe(201);
      id = res.body.id;
      expect(res.body).toMatchObject({
        title: 'Customer API',
        baseUrl: 'https://api.example.com/data',
        auth: { type: 'bearer', token: '••••zzzz' },
        headers: { 'x-client': 'flowbridge', 'x-signature': '••••3333' },
        timeoutMs: 5000,
        retry: { attempts: 2, backoff: 'fixed', delayMs: 100, maxDelayMs: 1000 },
        rateLimit: 5,
        version: 1,
      });
    });

    it('applies defaults for timeout and retry', async () => {
      const res = await h.call('post', '/connections', {
        title: 'Defaults',
        baseUrl: 'https://erp.example.com',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        auth: { type: 'none' },
        timeoutMs: 10000,
        retry: { attempts: 3, backoff: 'exponential' },
      });
    });

    it('reads, lists and pages', async () => {
      expect((await h.call('get', `/connections/${id}`)).body.title).toBe('Customer API');
      const list = await h.call('get', '/connections?limit=1&offset=0');
      expect(list.status).toBe(200);
      expect(list.body.total).toBe(2);
      expect(list.body.items).toHaveLength(1);
    });

    it('patches: omitted secrets are kept, null removes a header, a new auth type needs its secret', async () => {
      const patched = await h.call('patch', `/connections/${id}`, {
        title: 'Customer API v2',
        headers: { 'x-client': null },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        title: 'Customer API v2',
        auth: { type: 'bearer', token: '••••zzzz' },
        version: 2,
      });
      expect(patched.body.headers).toEqual({ 'x-signature': '••••3333' });

      const missing = await h.call('patch', `/connections/${id}`, {
        auth: { type: 'basic', username: 'svc' },
      });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({
        code: 'SECRET_REQUIRED',
        message: expect.any(String),
        field: 'auth.password',
      });

      const basic = await h.call('patch', `/connections/${id}`, {
        auth: { type: 'basic', username: 'svc', password: SECRETS.basicPassword },
      });
      expect(basic.body.auth).toEqual({ type: 'basic', username: 'svc', password: '••••BBBB' });
    });

    it('[D5] stores every auth type, secrets encrypted at rest', async () => {
      const apiKey = await h.call('post', '/connections', {
        title: 'Key in query',
        baseUrl: 'https://crm.example.com',
        auth: { type: 'api_key', name: 'api_key', in: 'query', value: SECRETS.apiKeyValue },
      });
      expect(apiKey.body.auth).toEqual({ type: 'api_key', name: 'api_key', in: 'query', value: '••••2222' });
      const oauth = await h.call('post', '/connections', {
        title: 'OAuth',
        baseUrl: 'https://orders.example.com',
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: 'https://auth.example.com/oauth/token',
          clientId: 'flowbridge',
          clientSecret: SECRETS.clientSecret,
          scope: 'orders:read',
        },
      });
      expect(oauth.status).toBe(201);
      expect(oauth.body.auth).toMatchObject({
        clientId: 'flowbridge',
        clientSecret: '••••DDDD',
        scope: 'orders:read',
      });

      const rows: Array<{ row: string }> = await Tenancy.acrossWorkspaces(() =>
        h.app.get(DataSource).query(`SELECT row_to_json(c)::text AS row FROM connections.connections c`),
      );
      const stored = rows.map((r) => r.row).join('\n');
      for (const secret of Object.values(SECRETS)) expect(stored).not.toContain(secret);
      expect(stored).toContain('"kid": "k1"');
    });
  });

  describe('APIs ("API data")', () => {
    let connectionId: string;
    let apiId: string;

    beforeAll(async () => {
      const res = await h.call(
        'post',
        '/connections',
        customerApi({ title: 'Orders', baseUrl: 'https://orders.example.net/v1' }),
      );
      connectionId = res.body.id;
    });

    it('creates, reads, updates and lists an API', async () => {
      const res = await h.call('post', '/apis', {
        name: 'Fetch API Data',
        connectionId,
        method: 'post',
        path: '/orders/{{order_id}}/lookup',
        query: { expand: 'items', page: 1 },
        headers: { 'X-Api-Token': SECRETS.apiHeader },
        body: { orderId: '{{order_id}}', note: 'quote " and {{ braces' },
        successWhen: { status: ['2xx', 304], body: { path: 'ok', operator: 'is', value: 'true' } },
        responseMapping: { order_status: 'data.status' },
        timeoutMs: 2000,
      });
      expect(res.status).toBe(201);
      apiId = res.body.id;
      expect(res.body).toMatchObject({
        method: 'POST',
        path: '/orders/{{order_id}}/lookup',
        query: { expand: 'items', page: '1' },
        headers: { 'x-api-token': '••••4444' },
        successWhen: { status: ['2xx', 304] },
        responseMapping: { order_status: 'data.status' },
        timeoutMs: 2000,
        retry: null,
      });
      expect((await h.call('get', `/apis/${apiId}`)).body.name).toBe('Fetch API Data');
      expect((await h.call('get', `/apis?connectionId=${connectionId}`)).body.total).toBe(1);
      const patched = await h.call('patch', `/apis/${apiId}`, { retry: { attempts: 5 } });
      expect(patched.body.retry).toEqual({
        attempts: 5,
        backoff: 'exponential',
        delayMs: 500,
        maxDelayMs: 30000,
      });
    });

    it('refuses to delete a connection an API uses, until the API is deleted', async () => {
      const refused = await h.call('delete', `/connections/${connectionId}`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'CONNECTION_IN_USE', field: 'id' });
      expect(refused.body.message).toContain('Fetch API Data');

      const temp = await h.call('post', '/apis', { name: 'Temp', connectionId, path: '/x' });
      expect((await h.call('delete', `/apis/${temp.body.id}`)).status).toBe(204);
      expect((await h.call('get', `/apis/${temp.body.id}`)).status).toBe(404);
    });

    it('returns the API with its connection and decrypted secrets over RPC, to a microservice client', async () => {
      const client: ClientProxy = ClientProxyFactory.create(
        rpcClientOptions(testRedisUrl(), h.config.RPC_NAMESPACE, TEST_INTERNAL_KEY),
      );
      try {
        const reply: ConnectionsResolveResponse = await firstValueFrom(
          client.send(RpcPattern.ConnectionsResolve, { workspaceId: 'ws-a', apiId }),
        );
        expect(reply.ok).toBe(true);
        if (!reply.ok) return;
        expect(reply.connection.auth).toEqual({ type: 'bearer', token: SECRETS.bearer });
        expect(reply.connection.headers).toEqual({
          'x-client': 'flowbridge',
          'x-signature': SECRETS.headerSecret,
        });
        expect(reply.api).toMatchObject({
          method: 'POST',
          headers: { 'x-api-token': SECRETS.apiHeader },
          timeoutMs: 2000,
          retry: { attempts: 5 },
        });
        expect(reply.connection.baseUrl).toBe('https://orders.example.net/v1');

        const otherWorkspace: ConnectionsResolveResponse = await firstValueFrom(
          client.send(RpcPattern.ConnectionsResolve, { workspaceId: 'ws-b', apiId }),
        );
        expect(otherWorkspace).toMatchObject({ ok: false, code: 'API_NOT_FOUND' });
        const invalid: ConnectionsResolveResponse = await firstValueFrom(
          client.send(RpcPattern.ConnectionsResolve, { apiId: 'x' }),
        );
        expect(invalid).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
      } finally {
        await client.close();
      }
    });

    it('[issue 17] seals resolve requests and replies on Redis, and answers nobody without INTERNAL_KEY', async () => {
      const ns = h.config.RPC_NAMESPACE;
      const channel = `${ns}:${RpcPattern.ConnectionsResolve}`;
      const spy = new Redis(testRedisUrl());
      const attacker = new Redis(testRedisUrl());
      const wire: string[] = [];
      try {
        await spy.psubscribe(`${ns}:*`);
        spy.on('pmessage', (_p, _c, message: string) => wire.push(message));
        // A legitimate client gets its answer; what crossed Redis holds no secret in any form.
        const client: ClientProxy = ClientProxyFactory.create(
          rpcClientOptions(testRedisUrl(), ns, TEST_INTERNAL_KEY),
        );
        try {
          const reply: ConnectionsResolveResponse = await firstValueFrom(
            client.send(RpcPattern.ConnectionsResolve, { workspaceId: 'ws-a', apiId }),
          );
          expect(reply).toMatchObject({ ok: true, connection: { auth: { token: SECRETS.bearer } } });
        } finally {
          await client.close();
        }
        await until('the request and its reply to be seen', async () => wire.length >= 2);
        const seen = wire.join('\n');
        for (const secret of [SECRETS.bearer, SECRETS.headerSecret, SECRETS.apiHeader])
          for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)])
            expect(seen).not.toContain(form);
        expect(seen).not.toContain(apiId);

        // Anyone else who reaches Redis: a plain request (as Nest would send it), one sealed with another key.
        const refusedBefore = await refusedRequests();
        const replies: string[] = [];
        await attacker.subscribe(`${channel}.reply`);
        attacker.on('message', (_c, message: string) => replies.push(message));
        const publisher = new Redis(testRedisUrl());
        try {
          await publisher.publish(
            channel,
            JSON.stringify({
              pattern: RpcPattern.ConnectionsResolve,
              data: { workspaceId: 'ws-a', apiId },
              id: 'x1',
            }),
          );
          const impostor = ClientProxyFactory.create(
            rpcClientOptions(testRedisUrl(), ns, 'another-deployment-internal-key-0000000'),
          );
          try {
            await expect(
              firstValueFrom(
                impostor
                  .send(RpcPattern.ConnectionsResolve, { workspaceId: 'ws-a', apiId })
                  .pipe(timeout(1500)),
              ),
            ).rejects.toThrow(/Timeout/);
          } finally {
            await impostor.close();
          }
        } finally {
          publisher.disconnect();
        }
        expect(replies).toEqual([]);
        expect(await refusedRequests()).toBe(refusedBefore + 2);
      } finally {
        spy.disconnect();
        attacker.disconnect();
      }

      async function refusedRequests(): Promise<number> {
        const m = /^flowbridge_rpc_refused_total\{kind="request"[^}]*\} (\d+)$/m.exec(
          await register.metrics(),
        );
        return m ? Number(m[1]) : 0;
      }
    });

    it('publishes connection.changed when a connection changes', async () => {
      const subscriber = new Redis(testRedisUrl());
      try {
        await subscriber.subscribe(`${h.config.RPC_NAMESPACE}:${EventPattern.ConnectionChanged}`);
        const received = new Promise<Record<string, unknown>>((resolve) =>
          subscriber.on('message', (channel, message: string) => {
            // Sealed on the wire (issue 17): nothing of it reads in clear, and it opens with the internal key.
            expect(message).not.toContain(connectionId);
            resolve(openRpcMessage(TEST_INTERNAL_KEY, channel, message) as Record<string, unknown>);
          }),
        );
        await h.call('patch', `/connections/${connectionId}`, { timeoutMs: 3000 });
        const message = await received;
        expect(message.pattern).toBe(EventPattern.ConnectionChanged);
        expect(message.data).toMatchObject({ workspaceId: 'ws-a', connectionId, change: 'updated' });
      } finally {
        subscriber.disconnect();
      }
    });
  });

  describe('authentication and workspaces', () => {
    it('[D3] answers 401 without a key, with a wrong key and with a revoked key', async () => {
      expect((await h.call('get', '/connections', undefined, null)).body).toMatchObject({
        code: 'UNAUTHORIZED',
      });
      expect((await h.call('get', '/connections', undefined, 'fb_not_a_real_key_at_all')).status).toBe(401);
      const keys = h.app.get(ApiKeysService);
      const { key, summary } = await keys.create('ws-a', 'short-lived');
      expect((await h.call('get', '/connections', undefined, key)).status).toBe(200);
      // An operator's act (the CLI's keys:revoke), not a workspace's.
      expect(await Tenancy.acrossWorkspaces(() => keys.revoke(summary.id))).toBe(true);
      expect((await h.call('get', '/connections', undefined, key)).status).toBe(401);
      // At rest: the key's hash only, never the key.
      const client = new Client({ connectionString: h.db.url });
      await client.connect();
      try {
        const rows = (await client.query(`SELECT * FROM auth.api_keys`)).rows as object[];
        expect(rows.length).toBeGreaterThan(0);
        expect(JSON.stringify(rows)).not.toContain(key);
        expect(JSON.stringify(rows)).not.toContain(h.adminKey);
      } finally {
        await client.end();
      }
    });

    it('[D2] accepts no JWT of any kind: alg none, HS256 signed with anything, expired or not → 401', async () => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const claims = part({ sub: 'admin', workspaceId: 'ws-a', aud: 'flowbridge', exp: 4102444800 });
      const tokens = [
        `${part({ alg: 'none', typ: 'JWT' })}.${claims}.`,
        `${part({ alg: 'HS256', typ: 'JWT' })}.${claims}.${'A'.repeat(43)}`,
        `${part({ alg: 'RS256', typ: 'JWT' })}.${claims}.${'B'.repeat(342)}`,
      ];
      for (const token of tokens) {
        const res = await h.call('get', '/connections', undefined, token);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('UNAUTHORIZED');
      }
    });

    it('accepts the key in X-API-Key too', async () => {
      const res = await h.call('get', '/connections', undefined, null);
      expect(res.status).toBe(401);
      const { default: request } = await import('supertest');
      const ok = await request(h.app.getHttpServer()).get('/connections').set('X-API-Key', h.adminKey);
      expect(ok.status).toBe(200);
    });

    it("[D4] gives another workspace's key 404 for everything of this one, and an empty list", async () => {
      const mine = await h.call('post', '/connections', {
        title: 'Private to A',
        baseUrl: 'https://a.example.com',
      });
      const api = await h.call('post', '/apis', { name: 'A only', connectionId: mine.body.id });
      expect((await h.call('get', `/connections/${mine.body.id}`, undefined, keyB)).status).toBe(404);
      expect((await h.call('patch', `/connections/${mine.body.id}`, { title: 'stolen' }, keyB)).status).toBe(
        404,
      );
      expect((await h.call('delete', `/connections/${mine.body.id}`, undefined, keyB)).status).toBe(404);
      expect((await h.call('get', `/apis/${api.body.id}`, undefined, keyB)).status).toBe(404);
      expect((await h.call('delete', `/apis/${api.body.id}`, undefined, keyB)).status).toBe(404);
      const usingForeign = await h.call(
        'post',
        '/apis',
        { name: 'B on A', connectionId: mine.body.id },
        keyB,
      );
      expect(usingForeign.body).toMatchObject({ code: 'CONNECTION_NOT_FOUND', field: 'connectionId' });
      expect((await h.call('get', '/connections', undefined, keyB)).body).toEqual({ items: [], total: 0 });
      // Same title in another workspace is fine: uniqueness is per workspace.
      expect(
        (
          await h.call(
            'post',
            '/connections',
            { title: 'Private to A', baseUrl: 'https://b.example.com' },
            keyB,
          )
        ).status,
      ).toBe(201);
    });

    it('[D1] guards every route except health, metrics and the API docs', async () => {
      // The API docs describe the routes and hold no tenant data; everything else needs a key.
      const publicRoutes = new Set(['get /health/live', 'get /health/ready', 'get /metrics']);
      const isDocs = (path: string): boolean =>
        path === '/docs-json' || path === '/docs-yaml' || path === '/docs' || path.startsWith('/docs/');
      const adminRoutes = endpointsOf(h.app).filter(
        (r) => !publicRoutes.has(`${r.method} ${r.path}`) && !isDocs(r.path),
      );
      expect(adminRoutes.length).toBeGreaterThanOrEqual(10);
      const { default: request } = await import('supertest');
      for (const route of adminRoutes) {
        const path = route.path.replace(/:[A-Za-z]+/g, randomUUID());
        const res = await (
          request(h.app.getHttpServer()) as unknown as Record<
            string,
            (p: string) => Promise<{ status: number; body: { code?: string } }>
          >
        )[route.method](path);
        expect({ route: `${route.method} ${route.path}`, status: res.status, code: res.body.code }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 401,
          code: 'UNAUTHORIZED',
        });
      }
      for (const route of ['/health/live', '/health/ready', '/metrics']) {
        expect((await h.call('get', route, undefined, null)).status).toBe(200);
      }
    });
  });

  describe('[B13] bad input gets a precise 4xx', () => {
    it.each([
      ['a bad URL', { baseUrl: 'not-a-url' }, 400, 'INVALID_URL', 'baseUrl'],
      ['a private address', { baseUrl: 'https://10.1.2.3/api' }, 400, 'FORBIDDEN_ADDRESS', 'baseUrl'],
      [
        'the metadata address',
        { baseUrl: 'https://169.254.169.254/latest' },
        400,
        'FORBIDDEN_ADDRESS',
        'baseUrl',
      ],
      ['plain http', { baseUrl: 'http://api.example.com' }, 400, 'HTTPS_REQUIRED', 'baseUrl'],
      [
        'credentials in the URL',
        { baseUrl: 'https://u:p@api.example.com' },
        400,
        'CREDENTIALS_IN_URL',
        'baseUrl',
      ],
      ['an unknown auth type', { auth: { type: 'magic' } }, 400, 'VALIDATION_FAILED', 'auth.type'],
      [
        'an unknown auth property',
        { auth: { type: 'bearer', token: 'x', extra: 1 } },
        400,
        'UNKNOWN_FIELD',
        'auth.extra',
      ],
      [
        'a private token URL',
        {
          auth: {
            type: 'oauth2_client_credentials',
            tokenUrl: 'https://192.168.0.1/t',
            clientId: 'c',
            clientSecret: 's',
          },
        },
        400,
        'FORBIDDEN_ADDRESS',
        'auth.tokenUrl',
      ],
      ['an unknown property', { colour: 'blue' }, 400, 'UNKNOWN_FIELD', 'colour'],
      ['a workspaceId in the body', { workspaceId: 'ws-b' }, 400, 'UNKNOWN_FIELD', 'workspaceId'],
      ['an empty title', { title: '   ' }, 400, 'VALIDATION_FAILED', 'title'],
      ['a title that is not a string', { title: 42 }, 400, 'VALIDATION_FAILED', 'title'],
      ['a timeout over 30 s', { timeoutMs: 30001 }, 400, 'VALIDATION_FAILED', 'timeoutMs'],
      ['too many retries', { retry: { attempts: 11 } }, 400, 'VALIDATION_FAILED', 'retry.attempts'],
      ['an unknown backoff', { retry: { backoff: 'linear' } }, 400, 'VALIDATION_FAILED', 'retry.backoff'],
      [
        'maxDelay under delay',
        { retry: { delayMs: 5000, maxDelayMs: 100 } },
        400,
        'VALIDATION_FAILED',
        'retry.maxDelayMs',
      ],
      [
        'a header with CR/LF',
        { headers: { 'x-a': 'v\r\nX-Injected: 1' } },
        400,
        'INVALID_HEADER',
        'headers.x-a',
      ],
      ['a Host header', { headers: { Host: 'evil.example.com' } }, 400, 'FORBIDDEN_HEADER', 'headers.Host'],
      ['a negative rate limit', { rateLimit: -1 }, 400, 'VALIDATION_FAILED', 'rateLimit'],
      ['a duplicate title (any case)', { title: 'DUPLICATE me' }, 409, 'CONNECTION_TITLE_TAKEN', 'title'],
    ])('%s', async (_label, patch, status, code, field) => {
      await h.call('post', '/connections', { title: 'Duplicate Me', baseUrl: 'https://dup.example.com' });
      const res = await h.call('post', '/connections', {
        title: 'Valid',
        baseUrl: 'https://ok.example.com',
        ...patch,
      });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ code, message: expect.any(String), field });
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
    });

    it.each([
      ['an absolute URL as path', { path: 'https://evil.example.com/x' }, 'PATH_ESCAPES_BASE', 'path'],
      ['a path escaping the base', { path: '/a/../../admin' }, 'PATH_ESCAPES_BASE', 'path'],
      ['an unknown method', { method: 'TRACE' }, 'VALIDATION_FAILED', 'method'],
      ['a body on GET', { method: 'GET', body: { a: 1 } }, 'BODY_NOT_ALLOWED', 'body'],
      [
        'a bad mapping',
        { responseMapping: { 'bad-name': 'data' } },
        'INVALID_RESPONSE_MAPPING',
        'responseMapping.bad-name',
      ],
      [
        'a bad success status',
        { successWhen: { status: ['9xx'] } },
        'INVALID_SUCCESS_WHEN',
        'successWhen.status.0',
      ],
      ['a connection id that is not a uuid', { connectionId: 'abc' }, 'VALIDATION_FAILED', 'connectionId'],
      [
        'a connection that does not exist',
        { connectionId: randomUUID() },
        'CONNECTION_NOT_FOUND',
        'connectionId',
      ],
      ['a query value with a line break', { query: { q: 'a\nb' } }, 'INVALID_HEADER', 'query.q'],
    ])('API with %s', async (_label, patch, code, field) => {
      const connection = await h.call('get', '/connections?limit=1');
      const res = await h.call('post', '/apis', {
        name: `Bad ${code}`,
        connectionId: connection.body.items[0].id,
        ...patch,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code, message: expect.any(String), field });
    });

    it('[B13] refuses an oversized body with 413, malformed JSON and non-JSON with 400/415', async () => {
      const big = await h.call('post', '/connections', {
        title: 'x'.repeat(300 * 1024),
        baseUrl: 'https://a.example.com',
      });
      expect(big.status).toBe(413);
      expect(big.body).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });

      const { default: request } = await import('supertest');
      const server = h.app.getHttpServer();
      const malformed = await request(server)
        .post('/connections')
        .set('Authorization', `Bearer ${h.adminKey}`)
        .set('Content-Type', 'application/json')
        .send('{"title": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      const form = await request(server)
        .post('/connections')
        .set('Authorization', `Bearer ${h.adminKey}`)
        .type('form')
        .send('title=x');
      expect(form.status).toBe(415);
      expect(form.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    });

    it('answers an unknown id with 404 and the error shape', async () => {
      const res = await h.call('get', `/connections/${randomUUID()}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 'CONNECTION_NOT_FOUND', message: expect.any(String), field: 'id' });
      expect((await h.call('get', '/apis/not-a-uuid')).body.code).toBe('API_NOT_FOUND');
    });
  });

  describe('observability', () => {
    it('serves OpenAPI at /docs and /docs-json, listing the admin routes, as committed', async () => {
      const json = await h.call('get', '/docs-json', undefined, null);
      expect(json.status).toBe(200);
      expect(Object.keys(json.body.paths)).toEqual(
        expect.arrayContaining(['/connections', '/connections/{id}', '/apis', '/apis/{id}']),
      );
      expect(Object.keys(json.body.paths)).not.toContain('/health/ready');
      // What it serves is the committed contract (docs/openapi; npm run openapi makes it).
      expect(json.body).toEqual(
        JSON.parse(readFileSync(join(__dirname, '../docs/openapi/connections.json'), 'utf8')),
      );
      const ui = await h.call('get', '/docs', undefined, null);
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
    });

    it('reports readiness with its checks and HTTP metrics by route', async () => {
      expect((await h.call('get', '/health/ready', undefined, null)).body).toEqual({
        status: 'ok',
        checks: { postgres: 'up', redis: 'up' },
      });
      const metrics = await h.call('get', '/metrics', undefined, null);
      expect(metrics.text).toMatch(
        /http_request_duration_seconds_count\{[^}]*route="\/connections\/:id"[^}]*\} \d+/,
      );
      expect(metrics.text).toContain('service="connections"');
    });

    it('logs requests as JSON with a request id and the workspace, echoing x-request-id', async () => {
      const { default: request } = await import('supertest');
      const res = await request(h.app.getHttpServer())
        .get('/connections')
        .set('Authorization', `Bearer ${h.adminKey}`)
        .set('X-Request-Id', 'trace-123');
      expect(res.headers['x-request-id']).toBe('trace-123');
      const line = h.logs.lines().find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-123');
      expect(line).toMatchObject({ service: 'connections', workspaceId: 'ws-a', res: { statusCode: 200 } });
    });

    it('[D5][D6] never shows a secret in any response body or log line', () => {
      expect(h.responses.length).toBeGreaterThan(40);
      const everything = h.responses.join('\n') + h.logs.text;
      expect(h.logs.text.length).toBeGreaterThan(1000);
      for (const secret of [...Object.values(SECRETS), h.adminKey, keyB])
        expect(everything).not.toContain(secret);
    });
  });
});

describe('[L7] admin API rate limit (per workspace, and per address without a valid key; counted in Redis)', () => {
  let h: ConnectionsHarness;

  beforeAll(async () => {
    h = await startConnections('throttle', {
      env: {
        ADMIN_RATE_LIMIT_PER_MINUTE: '30',
        ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '20',
        QUEUE_PREFIX: `fbtest-throttle-${randomUUID().slice(0, 8)}`,
      },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('one key flooding gets 429 with Retry-After past its limit; another tenant is not slowed; health is not counted', async () => {
    const other = await h.app.get(ApiKeysService).create('ws-b', 'quiet tenant');
    const timed = async (key: string) => {
      const began = performance.now();
      const res = await h.call('get', '/connections', undefined, key);
      return { res, ms: performance.now() - began };
    };
    const quietBefore = await Promise.all([1, 2, 3, 4, 5].map(() => timed(other.key)));
    const flood = await Promise.all(Array.from({ length: 45 }, () => timed(h.adminKey)));
    const quietDuring = await Promise.all([1, 2, 3, 4, 5].map(() => timed(other.key)));
    const statuses = flood.map((f) => f.res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const refused = flood.find((f) => f.res.status === 429)!.res;
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED', message: expect.any(String) });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect([...quietBefore, ...quietDuring].map((q) => q.res.status)).toEqual(Array(10).fill(200));
    const { default: request } = await import('supertest');
    const health = await Promise.all(
      Array.from({ length: 40 }, () => request(h.app.getHttpServer()).get('/health/live')),
    );
    expect(health.every((r) => r.status === 200)).toBe(true);
    const median = (xs: Array<{ ms: number }>) => xs.map((x) => x.ms).sort((a, b) => a - b)[2];
    observe(
      'L7',
      `Limit 30/min: one key sent 45 requests at once → 30 × 200, 15 × 429 RATE_LIMITED with Retry-After ${retryAfter} s; another workspace's key meanwhile: 5/5 × 200, median ${median(quietDuring).toFixed(0)} ms (before: ${median(quietBefore).toFixed(0)} ms); 40 health checks not counted`,
      { limit: 30, accepted: 30, refused: 15, retryAfter },
    );
  });

  it('[issue 17] garbage keys open no fresh buckets: past the anonymous limit one address gets 429, valid tenants do not', async () => {
    const { default: request } = await import('supertest');
    const server = h.app.getHttpServer();
    const garbage = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(server).get('/connections').set('Authorization', `Bearer fb_garbage_${i}_${randomUUID()}`),
      ),
    );
    const statuses = garbage.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    // No key at all counts against the same address.
    expect((await request(server).get('/connections')).status).toBe(429);
    // A workspace's budget is its own, not the address's.
    const fresh = await h.app.get(ApiKeysService).create('ws-c', 'after the garbage');
    expect((await h.call('get', '/connections', undefined, fresh.key)).status).toBe(200);
  });

  it('[issue 17] a tenant cannot multiply its budget with more keys: all keys of a workspace share one', async () => {
    const keys = await Promise.all(
      [1, 2, 3].map((i) => h.app.get(ApiKeysService).create('ws-d', `key ${i}`)),
    );
    const statuses = (
      await Promise.all(
        Array.from({ length: 45 }, (_, i) => h.call('get', '/connections', undefined, keys[i % 3].key)),
      )
    ).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });
});

describe('[issue 17] public edges: security headers, no-store, /metrics behind METRICS_TOKEN', () => {
  let h: ConnectionsHarness;
  const metricsToken = `metrics-${randomUUID()}`;

  beforeAll(async () => {
    h = await startConnections('edges', { env: { METRICS_TOKEN: metricsToken } });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('sets nosniff and the other helmet headers on every answer, and no-store on API answers', async () => {
    const { default: request } = await import('supertest');
    const server = h.app.getHttpServer();
    const created = await h.call('post', '/connections', {
      title: 'Headers',
      baseUrl: 'https://orders.example.net',
      auth: { type: 'bearer', token: 'a-secret-token-of-some-length' },
    });
    const answers = [
      created,
      await h.call('get', `/connections/${created.body.id}`),
      await h.call('get', '/connections', undefined, null),
      await request(server).get('/health/live'),
      await request(server).get('/no-such-route'),
    ];
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers /metrics only with the token', async () => {
    const { default: request } = await import('supertest');
    const server = h.app.getHttpServer();
    expect((await request(server).get('/metrics')).status).toBe(401);
    expect((await request(server).get('/metrics').set('Authorization', `Bearer ${h.adminKey}`)).status).toBe(
      401,
    );
    const ok = await request(server).get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('http_request_duration_seconds');
  });
});

describe('round trips to Postgres are counted (flowbridge_db_statements_total, for the benchmark and operators)', () => {
  let h: ConnectionsHarness;

  beforeAll(async () => {
    h = await startConnections('statements');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('counts statements, the transactions around them and the scope set on a pooled connection', async () => {
    const counts = async () => {
      const text = (await h.call('get', '/metrics', undefined, null)).text;
      const of = (kind: string) =>
        Number(
          new RegExp(`^flowbridge_db_statements_total\\{kind="${kind}"[^}]*\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1] ?? 0,
        );
      return { statement: of('statement'), begin: of('begin'), commit: of('commit'), scope: of('scope') };
    };
    const before = await counts();
    const created = await h.call('post', '/connections', {
      title: `Counted ${randomUUID()}`,
      baseUrl: 'https://orders.example.net',
    });
    expect(created.status).toBe(201);
    const after = await counts();
    expect(after.statement).toBeGreaterThan(before.statement);
    expect(after.begin).toBeGreaterThan(before.begin);
    expect(after.commit - before.commit).toBe(after.begin - before.begin);
    expect(after.scope).toBeGreaterThanOrEqual(before.scope);
    expect(before.scope).toBeGreaterThan(0);
  });
});
