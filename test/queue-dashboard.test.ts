import { randomBytes } from 'node:crypto';
import { appRoutes } from '@bull-board/api/dist/routes';
import { QueueName } from '@flowbridge/contracts';
import { redisOptionsFromUrl } from '@flowbridge/platform';
import { testRedisUrl, until } from '@flowbridge/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueMonitor } from '../services/worker/src/dashboard/queue-dashboard';
import { startWorker, type WorkerHarness } from './worker-app';

/** Every API route of the Bull Board the worker serves, with its parameters filled in. */
const API_ROUTES = appRoutes.api.flatMap((r) =>
  (Array.isArray(r.route) ? r.route : [r.route]).map((route) => ({
    method: (r.method ?? 'get') as 'get' | 'post' | 'put' | 'delete' | 'patch',
    path: `/queues${route
      .replace(':queueName', QueueName.FlowApiCalls)
      .replace(':jobId', 'job-1')
      .replace(':queueStatus', 'failed')}`,
  })),
);

const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

describe('the queue dashboard is for operators (issue 17 §1)', () => {
  const adminKey = `fb_test_${randomBytes(18).toString('base64url')}`;
  let readOnly: WorkerHarness;
  let writable: WorkerHarness;
  let closed: WorkerHarness;
  const prefixes = ['ro', 'rw', 'cl'].map((p) => `fbtest-dash-${p}-${randomBytes(3).toString('hex')}`);

  beforeAll(async () => {
    const shared = { adminKey, rpcNamespace: `fbtest-dash-${randomBytes(4).toString('hex')}` };
    readOnly = await startWorker('dash_ro', { ...shared, queuePrefix: prefixes[0] });
    writable = await startWorker('dash_rw', {
      ...shared,
      queuePrefix: prefixes[1],
      env: { QUEUE_DASHBOARD_WRITE: 'true' },
    });
    closed = await startWorker('dash_cl', {
      ...shared,
      queuePrefix: prefixes[2],
      env: { OPERATOR_API_KEY: '' },
    });
  });

  afterAll(async () => {
    await Promise.all([readOnly?.close(), writable?.close(), closed?.close()]);
  });

  it('knows Bull Board routes of every kind (the inventory below is not empty)', () => {
    expect(API_ROUTES.length).toBeGreaterThan(20);
    expect(API_ROUTES.filter((r) => r.method !== 'get').length).toBeGreaterThan(10);
  });

  it('refuses a workspace admin key on /queues and every /queues/api route (401), as Basic or Bearer', async () => {
    // The key is valid for the admin API of its workspace…
    expect((await readOnly.call('get', '/runs')).status).toBe(200);
    for (const auth of [basic(adminKey), `Bearer ${adminKey}`, basic('wrong-key-but-long-enough-000')]) {
      for (const { method, path } of [{ method: 'get' as const, path: '/queues' }, ...API_ROUTES]) {
        const res = await readOnly.request()[method](path).set('Authorization', auth).send({});
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
        expect(res.text).not.toContain('flow-api-calls');
      }
    }
    const anonymous = await readOnly.request().get('/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  it('lets the operator key read, and refuses every write (405) unless QUEUE_DASHBOARD_WRITE', async () => {
    const page = await readOnly.request().get('/queues').set('Authorization', basic(readOnly.operatorKey));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Flowbridge queues');
    const api = await readOnly
      .request()
      .get('/queues/api/queues?activeQueue=flow-api-calls')
      .set('Authorization', `Bearer ${readOnly.operatorKey}`);
    expect(api.status).toBe(200);
    const names = (api.body.queues as Array<{ name: string; readOnlyMode: boolean }>).map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['flow-triggers.0', 'flow-api-calls', 'flow-navigation.0']));
    expect((api.body.queues as Array<{ readOnlyMode: boolean }>).every((q) => q.readOnlyMode)).toBe(true);

    const writes = API_ROUTES.filter((r) => r.method !== 'get');
    for (const { method, path } of writes) {
      const agent = readOnly.request();
      const res = await agent[method](path)
        .set('Authorization', basic(readOnly.operatorKey))
        .send({ name: 'navigation.v1', data: {} });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
    }
    const queue = new Queue(QueueName.FlowApiCalls, {
      prefix: prefixes[0],
      connection: redisOptionsFromUrl(testRedisUrl()),
    });
    try {
      expect(await queue.count()).toBe(0);
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });

  it('lets the operator act when QUEUE_DASHBOARD_WRITE=true, and still refuses the workspace key', async () => {
    const pause = `/queues/api/queues/${QueueName.FlowApiCalls}/pause`;
    expect((await writable.request().put(pause).set('Authorization', basic(adminKey))).status).toBe(401);
    const queue = new Queue(QueueName.FlowApiCalls, {
      prefix: prefixes[1],
      connection: redisOptionsFromUrl(testRedisUrl()),
    });
    try {
      const res = await writable.request().put(pause).set('Authorization', basic(writable.operatorKey));
      expect(res.status).toBeLessThan(300);
      expect(await queue.isPaused()).toBe(true);
      await writable
        .request()
        .put(`/queues/api/queues/${QueueName.FlowApiCalls}/resume`)
        .set('Authorization', basic(writable.operatorKey))
        .expect((r) => expect(r.status).toBeLessThan(300));
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });

  it('is closed to everyone when no OPERATOR_API_KEY is set', async () => {
    for (const auth of [basic(adminKey), basic(readOnly.operatorKey)]) {
      const res = await closed.request().get('/queues/api/queues').set('Authorization', auth);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/closed/);
    }
  });
});

describe('[issue 20] queue depth is reported by one worker of the deployment', () => {
  it('two workers on one deployment: one holds the lease and reports flowbridge_queue_jobs; when it stops, the other takes over', async () => {
    const shared = {
      adminKey: `fb_test_${randomBytes(18).toString('base64url')}`,
      rpcNamespace: `fbtest-qm-${randomBytes(4).toString('hex')}`,
      queuePrefix: `fbtest-qm-${randomBytes(3).toString('hex')}`,
      env: { QUEUE_METRICS_LEASE_MS: '3000' },
    };
    const first = await startWorker('qm_a', shared);
    const second = await startWorker('qm_b', shared);
    const monitors = [first, second].map((w) => w.app.get(QueueMonitor));
    const redis = new Redis(testRedisUrl());
    try {
      expect(monitors.map((m) => m.reportsQueueDepth)).toEqual([true, false]);
      expect(await redis.pttl(`${shared.queuePrefix}:queue-metrics:lease`)).toBeGreaterThan(0);
      const depth = async (w: WorkerHarness) =>
        [...(await w.call('get', '/metrics', null)).text.matchAll(/^flowbridge_queue_jobs\{[^}]*\} \d+$/gm)]
          .length;
      // Every queue and state once: partitions × 2 + the API-call and form queues, 4 states each.
      const series = (first.config.TRIGGER_PARTITIONS + first.config.NAVIGATION_PARTITIONS + 2) * 4;
      expect(await depth(first)).toBe(series);
      await first.close();
      // Handed over on shutdown: the other takes it at its next renewal (a third of the lease).
      await until('the second worker to take the lease', async () => monitors[1].reportsQueueDepth, {
        timeoutMs: 5000,
        everyMs: 100,
      });
      expect(await depth(second)).toBe(series);
    } finally {
      redis.disconnect();
      await second.close();
    }
  }, 60_000);
});
