import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { until } from '@flowbridge/testing';
import { Logger, type LoggerService } from '@nestjs/common';
import { register } from 'prom-client';
import { AppError } from '../errors';
import { type LeanRoute, mountLeanRoutes } from './lean-route';

describe('mountLeanRoutes', () => {
  let server: Server;
  let base: string;
  /** What reached the framework's listener (the one the server had before the lean routes). */
  let framework: string[];
  /** What the route's handler was given. */
  let handled: Array<{ body: string; signature: unknown }>;
  let answer: (body: Buffer, req: IncomingMessage) => Promise<unknown>;

  /** The access lines, as the app's logger would get them. */
  let lines: Array<{ level: string; line: Record<string, unknown> }>;
  const capture = (level: string) => (line: Record<string, unknown>) => lines.push({ level, line });
  const logs: LoggerService = {
    log: capture('info'),
    error: capture('error'),
    warn: capture('warn'),
    debug: capture('debug'),
  };

  const route: LeanRoute = {
    method: 'POST',
    path: '/hooks/in',
    limitBytes: 64,
    handle: (body, req) => answer(body, req),
    logLevel: (status) => (status >= 500 ? 'error' : status < 300 ? 'debug' : 'info'),
  };

  beforeAll(async () => {
    Logger.overrideLogger(logs);
    server = createServer((req, res) => {
      framework.push(`${req.method} ${req.url}`);
      res.end('framework');
    });
    mountLeanRoutes(server, [route]);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    Logger.overrideLogger(['log', 'error', 'warn']);
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    lines = [];
    framework = [];
    handled = [];
    answer = async (body, req) => {
      handled.push({ body: body.toString('utf8'), signature: req.headers['x-signature'] });
      return { ok: true };
    };
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('answers its route with the raw bytes given to the handler, and never passes it to the framework', async () => {
    const res = await post('/hooks/in?x=1', '{"a": "é"}', { 'x-signature': 'sig' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(handled).toEqual([{ body: '{"a": "é"}', signature: 'sig' }]);
    // As Express matches: a trailing slash and letter case aside.
    expect((await post('/Hooks/In/', '{}')).status).toBe(200);
    expect(framework).toEqual([]);
  });

  it('leaves every other request to the framework', async () => {
    expect(await (await fetch(`${base}/hooks/in`)).text()).toBe('framework');
    expect(await (await post('/hooks/inside', '{}')).text()).toBe('framework');
    expect(await (await post('/other', '{}')).text()).toBe('framework');
    expect(framework).toEqual(['GET /hooks/in', 'POST /hooks/inside', 'POST /other']);
    expect(handled).toEqual([]);
  });

  it('carries the security headers, no-store and the request id (the caller’s when sane, else a new one)', async () => {
    const res = await post('/hooks/in', '{}', { 'x-request-id': 'req-42' });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const fresh = await post('/hooks/in', '{}', { 'x-request-id': 'not a sane id!' });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body over the limit (413) and one that is not JSON (415) before the handler sees it', async () => {
    const large = await post('/hooks/in', JSON.stringify({ pad: 'x'.repeat(64) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const text = await post('/hooks/in', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Send the body as application/json',
      field: 'content-type',
    });
    expect(handled).toEqual([]);
  });

  it("answers the handler's AppError in the platform's shape, and an unexpected error as a 500 without its details", async () => {
    answer = () => Promise.reject(new AppError('SIGNATURE_INVALID', 'Not signed by us', 401, 'signature'));
    const refused = await post('/hooks/in', '{}');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      code: 'SIGNATURE_INVALID',
      message: 'Not signed by us',
      field: 'signature',
    });
    answer = () => Promise.reject(new Error('secret internals at db.internal:5432'));
    const failed = await post('/hooks/in', '{}');
    expect(failed.status).toBe(500);
    const body = await failed.text();
    expect(JSON.parse(body)).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(body).not.toContain('db.internal');
  });

  it("writes one access line per answer at the route's level, with the request's id and status", async () => {
    await post('/hooks/in', '{}', { 'x-request-id': 'ok-1' });
    answer = () => Promise.reject(new AppError('SIGNATURE_INVALID', 'Not signed by us', 401));
    await post('/hooks/in', '{}', { 'x-request-id': 'refused-1' });
    const failure = new Error('boom');
    answer = () => Promise.reject(failure);
    await post('/hooks/in', '{}', { 'x-request-id': 'failed-1' });
    const seen = lines.map(({ level, line }) => ({
      level,
      id: (line.req as { id?: string }).id,
      status: (line.res as { statusCode?: number }).statusCode,
      err: line.err,
    }));
    expect(seen).toEqual([
      { level: 'debug', id: 'ok-1', status: 200, err: undefined },
      { level: 'info', id: 'refused-1', status: 401, err: undefined },
      { level: 'error', id: 'failed-1', status: 500, err: failure },
    ]);
  });

  it('logs a body the client cut off at info as a 400, without reaching the handler', async () => {
    // Headers promise 40 bytes; 10 arrive and the connection closes.
    await new Promise<void>((resolve, reject) => {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => {
        socket.write(
          'POST /hooks/in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
            'Content-Length: 40\r\nX-Request-Id: cut-1\r\n\r\n{"a": "bcd',
          () => setTimeout(() => (socket.destroy(), resolve()), 50),
        );
      });
      socket.on('error', reject);
    });
    await until('the access line', async () => lines.length > 0);
    const [{ level, line }] = lines;
    expect({
      level,
      id: (line.req as { id?: string }).id,
      status: (line.res as { statusCode?: number }).statusCode,
    }).toEqual({
      level: 'info',
      id: 'cut-1',
      status: 400,
    });
    expect(handled).toEqual([]);
  });

  it('records every answer in http_request_duration_seconds under the route, by status', async () => {
    const count = async (status: string) => {
      const metric = await register.getSingleMetric('http_request_duration_seconds')?.get();
      return (
        (
          metric?.values as Array<{ metricName?: string; labels: Record<string, unknown>; value: number }>
        ).find(
          (v) =>
            v.metricName === 'http_request_duration_seconds_count' &&
            v.labels.route === '/hooks/in' &&
            v.labels.status === status,
        )?.value ?? 0
      );
    };
    const ok = await count('200');
    const tooLarge = await count('413');
    await post('/hooks/in', '{}');
    await post('/hooks/in', JSON.stringify({ pad: 'x'.repeat(64) }));
    expect(await count('200')).toBe(ok + 1);
    expect(await count('413')).toBe(tooLarge + 1);
  });
});
