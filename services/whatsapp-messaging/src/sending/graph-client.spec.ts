import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@flowbridge/testing';
import type { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { classify, GraphClient } from './graph-client';

const metaError = (code: number, extra: Record<string, unknown> = {}) => ({
  error: { message: `(#${code}) x`, type: 'OAuthException', code, fbtrace_id: 'A', ...extra },
});

describe('classify: what a Cloud API answer means for the send', () => {
  it('takes the message id of a success', () => {
    expect(classify(200, { messages: [{ id: 'wamid.X' }] })).toEqual({
      kind: 'sent',
      waMessageId: 'wamid.X',
    });
  });

  it.each([
    [400, 130429],
    [400, 131056],
    [400, 4],
    [500, 131000],
    [503, 131016],
    [502, 1],
    [429, 1],
  ])('retries HTTP %s with code %s', (status, code) => {
    expect(classify(status, metaError(code))).toMatchObject({
      kind: 'retry',
      error: { code, httpStatus: status },
    });
  });

  it.each([131047, 131026, 131009, 100, 131051])('records %s as failed, not retried', (code) => {
    expect(classify(400, metaError(code))).toMatchObject({
      kind: 'failed',
      tokenInvalid: false,
      error: { code },
    });
  });

  it('marks the token invalid on 190', () => {
    expect(classify(401, metaError(190))).toMatchObject({ kind: 'failed', tokenInvalid: true });
  });

  it("keeps Meta's title and details", () => {
    expect(
      classify(
        400,
        metaError(131047, { error_user_title: 'Re-engagement', error_data: { details: 'over 24h' } }),
      ),
    ).toMatchObject({ error: { code: 131047, title: 'Re-engagement', details: 'over 24h' } });
  });

  it('treats a 2xx without a message id as failed (sending again could duplicate it)', () => {
    expect(classify(200, {})).toMatchObject({ kind: 'failed', error: { code: 0 } });
  });
});

describe('GraphClient.send with no answer: retried only when the request cannot have left', () => {
  const message = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '1', type: 'text' };
  const channel = { phoneNumberId: '123', graphApiVersion: 'v24.0' };
  const clientFor = (url: string) =>
    new GraphClient({
      GRAPH_API_BASE_URL: url,
      GRAPH_API_TIMEOUT_MS: 1000,
      GRAPH_API_VERSION: 'v24.0',
    } as WhatsappMessagingConfig);

  it('a refused connection is retried: nothing was sent', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const client = clientFor(`http://127.0.0.1:${port}`);
    try {
      expect(await client.send(channel, 'token', message as never)).toMatchObject({
        kind: 'retry',
        error: { code: 0, title: 'ECONNREFUSED' },
      });
    } finally {
      client.onApplicationShutdown();
    }
  });

  it('a connection dropped after the request was read is in doubt: Meta may have taken it', async () => {
    const server = createServer((req) =>
      req.on('data', () => undefined).on('end', () => req.socket.destroy()),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      expect(await client.send(channel, 'token', message as never)).toMatchObject({
        kind: 'in_doubt',
        error: { code: 0 },
      });
    } finally {
      client.onApplicationShutdown();
      await new Promise((r) => server.close(r));
    }
  });

  it("drops a kept-alive connection idle for 4 s, before a server's own idle close (5 s in Node) can reset a send", async () => {
    let closedAt = 0;
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ messages: [{ id: 'wamid.A' }] }));
    });
    server.keepAliveTimeout = 60_000; // the server keeps it: only the client can close it here
    server.on('connection', (socket) => socket.on('close', () => (closedAt = Date.now())));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      expect(await client.send(channel, 'token', message as never)).toEqual({
        kind: 'sent',
        waMessageId: 'wamid.A',
      });
      const sentAt = Date.now();
      await until('the idle connection closed by the client', async () => closedAt > 0, {
        timeoutMs: 10_000,
      });
      expect(closedAt - sentAt).toBeGreaterThanOrEqual(3500);
    } finally {
      client.onApplicationShutdown();
      await new Promise((r) => server.close(r));
    }
  }, 15_000);
});
