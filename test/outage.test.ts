import { createServer, connect, type Server, type Socket } from 'node:net';
import { testDatabaseServerUrl } from '@flowbridge/testing';
import { type ConnectionsHarness, startConnections } from './connections-app';

/** A TCP proxy in front of Postgres that the test can cut and restore: an outage without touching the server. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('admin API while Postgres is unreachable', () => {
  let h: ConnectionsHarness;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    const server = new URL(testDatabaseServerUrl());
    proxy = new CuttableProxy({ host: server.hostname, port: Number(server.port || 5432) });
    await proxy.open();
    h = await startConnections('outage', { databasePort: proxy.port });
  });

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    await proxy?.cut();
  });

  it('answers 503 with the error shape during the outage and recovers after', async () => {
    expect((await h.call('get', '/connections')).status).toBe(200);
    await proxy.cut();

    const during = await h.call('get', '/connections');
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
    const ready = await h.call('get', '/health/ready', undefined, null);
    expect(ready.status).toBe(503);
    expect(ready.body.message).toBe('Not ready: postgres down');

    await proxy.open(proxy.port);
    let after = 0;
    for (let i = 0; i < 50 && after !== 200; i += 1) {
      after = (await h.call('get', '/connections')).status;
      if (after !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBe(200);
  });
});
