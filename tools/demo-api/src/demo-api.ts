// The demo's business system: a tiny order API on 127.0.0.1 that the demo flow's "Fetch API Data" calls.
// It can be told to fail, so both of the flow's navigations (First Screen, Sample Screen) can be seen.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface DemoApiOptions {
  port?: number;
  /** Added before every answer (a slower business system, for benchmarks). */
  latencyMs?: number;
}

export interface DemoCall {
  at: number;
  path: string;
  idempotencyKey?: string;
  /** The Authorization header the caller sent (kept in memory for tests; /demo/calls leaves it out). */
  authorization?: string;
  status: number;
}

const STATUSES = ['shipped', 'out for delivery', 'delivered', 'being packed'];

export class DemoApi {
  readonly calls: DemoCall[] = [];
  /** The next N order look-ups answer 503 (-1: every one, until turned off). */
  failing = 0;
  private server?: Server;

  constructor(readonly options: DemoApiOptions = {}) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the demo API is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ limit: '64kb' }));
    app.get('/health', (_req, res) => void res.json({ ok: true }));
    // An order id with "fail" in it always fails; /demo/fail makes the next look-ups fail.
    app.get('/orders/:id', async (req, res) => {
      if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
      const id = req.params.id;
      const fail = /fail/i.test(id) || this.failing !== 0;
      if (this.failing > 0) this.failing -= 1;
      const status = fail ? 503 : 200;
      this.calls.push({
        at: Date.now(),
        path: req.path,
        idempotencyKey: req.get('idempotency-key'),
        authorization: req.get('authorization'),
        status,
      });
      if (fail) return void res.status(503).json({ error: 'The order system is down for maintenance' });
      let hash = 0;
      for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
      res.json({
        orderId: id,
        status: STATUSES[hash % STATUSES.length],
        eta: new Date(Date.now() + ((hash % 5) + 1) * 86_400_000).toISOString().slice(0, 10),
        total: 10 + (hash % 9000) / 100,
      });
    });
    app.post('/demo/fail', (req, res) => {
      const { count, on } = (req.body ?? {}) as { count?: number; on?: boolean };
      this.failing = on === false ? 0 : on === true ? -1 : Number.isInteger(count) ? Number(count) : 1;
      res.json({ failing: this.failing });
    });
    app.get(
      '/demo/calls',
      (_req, res) =>
        void res.json({ items: this.calls.slice(-200).map(({ authorization: _, ...call }) => call) }),
    );
    await new Promise<void>((resolve) => {
      this.server = app.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}

export function startDemoApi(options: DemoApiOptions = {}): Promise<DemoApi> {
  return new DemoApi(options).start();
}
