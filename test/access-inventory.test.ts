import { randomBytes, randomUUID } from 'node:crypto';
import { EventPattern, RpcPattern } from '@flowbridge/contracts';
import { ApiKeysService, NamespacedRedisServer } from '@flowbridge/platform';
import { endpointsOf, HttpPeer, sendJson, testRedisUrl, until } from '@flowbridge/testing';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import request from 'supertest';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { type FlowDefinitionHarness, startFlowDefinition } from './flow-definition-app';
import { type MessagingHarness, startMessaging } from './messaging-app';
import { observe } from './reliability/harness/observe';
import { startWorker, type WorkerHarness } from './worker-app';

// RELIABILITY.md D1 and D4 over every route of every service and every RPC pattern (issue 17 §6): each HTTP
// route is guarded or listed below as public on purpose, so a new unguarded route fails here; each
// route naming a resource answers another workspace 404 and leaves the resource as it was.

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';

/**
 * Public on purpose, per service: health, metrics, the API docs (no tenant data), Meta's webhook, and the
 * WhatsApp Flows data endpoint (signed with the channel's app secret and encrypted to its key, checked in
 * test/flows-endpoint.test.ts).
 */
const PUBLIC: Record<string, string[]> = {
  all: ['get /health/live', 'get /health/ready', 'get /metrics'],
  messaging: [
    'get /webhooks/whatsapp',
    'post /webhooks/whatsapp',
    'post /webhooks/whatsapp-flows/:channelId',
  ],
};
const isDocs = (path: string): boolean => /^\/docs($|\/|-json|-yaml)/.test(path);

/** A body each route accepts as valid, so that the answer is about access, not about the input. */
const BODIES: Record<string, (ids: Ids) => object> = {
  'patch /connections/:id': () => ({ timeoutMs: 3000 }),
  'patch /apis/:id': () => ({ timeoutMs: 3000 }),
  'post /apis/:id/test': () => ({ variables: {} }),
  'patch /flows/:id': () => ({ name: `Renamed ${randomUUID()}` }),
  'post /flows/:id/runs': (ids) => ({ channelId: ids.channel, contact: { waId: '447700900999' } }),
  'patch /channels/:id': () => ({ messagesPerSecond: 10 }),
};

interface Ids {
  connection: string;
  api: string;
  flow: string;
  run: string;
  channel: string;
}

/** Which resource a route's `:id` names, by the collection it is under. */
const RESOURCE_OF: Record<string, keyof Ids> = {
  connections: 'connection',
  apis: 'api',
  flows: 'flow',
  runs: 'run',
  channels: 'channel',
};

const routesOf = (app: INestApplication) => endpointsOf(app) as Array<{ method: Method; path: string }>;

describe('[D1][D4] every route of every service, every RPC pattern (issue 17)', () => {
  let connections: ConnectionsHarness;
  let fd: FlowDefinitionHarness;
  let worker: WorkerHarness;
  let messaging: MessagingHarness;
  let sandbox: Sandbox;
  const business = new HttpPeer();
  const ids = {} as Ids;
  const keysB: Record<string, string> = {};
  const phone = { phoneNumberId: '170000000001', displayPhoneNumber: '15550001701', wabaId: '270000000001' };

  beforeAll(async () => {
    await business.start();
    business.handle((_req, res) => sendJson(res, 200, { status: 'shipped' }));
    sandbox = await startSandbox({
      webhookUrl: 'http://127.0.0.1:9/unset',
      numbers: [{ ...phone, appSecret: 'inventory-app-secret' }],
    });
    connections = await startConnections('inv_conn', { rpc: true });
    const queuePrefix = `fbtest-inv-${randomBytes(4).toString('hex')}`;
    const shared = { adminKey: connections.adminKey, rpcNamespace: connections.config.RPC_NAMESPACE };
    fd = await startFlowDefinition('inv_fd', { ...shared, env: { QUEUE_PREFIX: queuePrefix } });
    worker = await startWorker('inv_worker', { ...shared, queuePrefix });
    messaging = await startMessaging('inv_msg', {
      env: { GRAPH_API_BASE_URL: sandbox.url, RPC_NAMESPACE: connections.config.RPC_NAMESPACE },
      rpc: true,
    });
    for (const [name, app] of [
      ['connections', connections.app],
      ['fd', fd.app],
      ['worker', worker.app],
      ['messaging', messaging.app],
    ] as const)
      keysB[name] = (await app.get(ApiKeysService).create('ws-b', 'the other tenant')).key;

    // Workspace A's resources, one of each type.
    const connection = await connections.call('post', '/connections', {
      title: 'Inventory API',
      baseUrl: business.origin,
      auth: { type: 'bearer', token: 'inventory-token-000000' },
    });
    ids.connection = connection.body.id;
    const api = await connections.call('post', '/apis', {
      name: 'Inventory lookup',
      connectionId: ids.connection,
      path: '/orders/{{order_id}}',
    });
    ids.api = api.body.id;
    const channel = await messaging.call('post', '/channels', {
      ...phone,
      accessToken: 'EAAG-inventory',
      appSecret: 'inventory-app-secret',
      verifyToken: 'inventory-verify',
    });
    expect(channel.status).toBe(201);
    ids.channel = channel.body.id;
    const flow = await fd.call('post', '/flows', {
      name: 'Inventory flow',
      triggers: [{ type: 'api' }],
      startScreen: 'hello',
      variables: [],
      screens: [{ id: 'hello', messages: [{ type: 'text', text: 'Hello' }], actions: [] }],
    });
    ids.flow = flow.body.id;
    expect((await fd.call('post', `/flows/${ids.flow}/publish`)).status).toBe(201);
    const started = await fd.call('post', `/flows/${ids.flow}/runs`, {
      channelId: ids.channel,
      contact: { waId: '447700900998' },
      variables: {},
    });
    expect(started.status).toBe(202);
    ids.run = await until('the run to exist', async () => {
      const list = await worker.call('get', '/runs?contact=447700900998');
      return (list.body.items as Array<{ id: string }>)[0]?.id;
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([connections?.close(), fd?.close(), worker?.close(), messaging?.close()]);
    await Promise.all([sandbox?.close(), business.stop()]);
  });

  const services = () =>
    [
      ['connections', connections.app, connections.adminKey],
      ['fd', fd.app, connections.adminKey],
      ['worker', worker.app, connections.adminKey],
      ['messaging', messaging.app, messaging.adminKey],
    ] as const;

  it('every route is public on purpose, or refuses no key (401) and another workspace (404, nothing changed)', async () => {
    let checked = 0;
    for (const [name, app, keyA] of services()) {
      const server = app.getHttpServer();
      const publicRoutes = new Set([...PUBLIC.all, ...(PUBLIC[name] ?? [])]);
      const admin = routesOf(app).filter(
        (r) => !publicRoutes.has(`${r.method} ${r.path}`) && !isDocs(r.path),
      );
      expect(admin.length).toBeGreaterThan(0);
      for (const route of admin) {
        const label = `${name}: ${route.method} ${route.path}`;
        const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
        const unknown = params.filter((p) => p !== 'id' && p !== 'n');
        // A new kind of parameter: say here which resource it names, so that the cross-tenant check covers it.
        expect({ label, unknown }).toEqual({ label, unknown: [] });
        const collection = route.path.split('/')[1];
        const resource = RESOURCE_OF[collection];
        if (params.includes('id'))
          expect({ label, resource }).toEqual({ label, resource: expect.any(String) });
        const path = route.path.replace(':id', resource ? ids[resource] : '').replace(':n', '1');
        const body = BODIES[`${route.method} ${route.path}`]?.(ids) ?? {};

        const call = () => request(server)[route.method](path);
        const anonymous = await call().send(body);
        expect({ label, status: anonymous.status }).toEqual({ label, status: 401 });
        const garbage = await call()
          .set('Authorization', `Bearer fb_${randomBytes(18).toString('base64url')}`)
          .send(body);
        expect({ label, status: garbage.status }).toEqual({ label, status: 401 });
        if (params.includes('id')) {
          const other = await call().set('Authorization', `Bearer ${keysB[name]}`).send(body);
          expect({ label, status: other.status }).toEqual({ label, status: 404 });
        } else if (route.method === 'get') {
          // A list: the other workspace sees none of A's resources.
          const other = await request(server).get(path).set('Authorization', `Bearer ${keysB[name]}`);
          expect({ label, status: other.status }).toEqual({ label, status: 200 });
          for (const id of Object.values(ids)) expect(other.text).not.toContain(id);
        }
        checked += 1;
      }
      // Still there for their own workspace, untouched by the other's PATCH and DELETE.
      for (const [collection, resource] of Object.entries(RESOURCE_OF)) {
        const owned = routesOf(app).some((r) => r.method === 'get' && r.path === `/${collection}/:id`);
        if (!owned) continue;
        const res = await request(server)
          .get(`/${collection}/${ids[resource]}`)
          .set('Authorization', `Bearer ${keyA}`);
        expect({ collection, status: res.status }).toEqual({ collection, status: 200 });
      }
    }
    // The queue dashboard (middleware, not a route): workspace keys of either tenant never open it.
    for (const key of [connections.adminKey, keysB.worker])
      for (const path of ['/queues', '/queues/api/queues'])
        expect((await worker.request().get(path).set('Authorization', `Bearer ${key}`)).status).toBe(401);
    expect(checked).toBeGreaterThan(30);
    observe(
      'D1',
      `Route inventory: ${checked} admin routes across the four services each answered 401 without a key and with a made-up one, and 404 (resource untouched) or an empty list to another workspace; public routes listed on purpose; /queues refuses workspace keys`,
      { routes: checked },
    );
  });

  it('every RPC pattern a service answers is a contract pattern, and none answers an unsealed request', async () => {
    const ns = connections.config.RPC_NAMESPACE;
    const known = new Set<string>([...Object.values(RpcPattern), ...Object.values(EventPattern)]);
    const handled: string[] = [];
    for (const app of [connections.app, fd.app, messaging.app]) {
      const microservices = (
        app as unknown as { getMicroservices(): Array<{ serverInstance: unknown }> }
      ).getMicroservices();
      expect(microservices).toHaveLength(1);
      const server = microservices[0].serverInstance;
      // Sealed by construction: the only transport the services use opens every message before a handler.
      expect(server).toBeInstanceOf(NamespacedRedisServer);
      for (const pattern of (server as NamespacedRedisServer).getHandlers().keys()) {
        expect(pattern.startsWith(`${ns}:`)).toBe(true);
        handled.push(pattern.slice(ns.length + 1));
      }
    }
    expect(handled.filter((p) => !known.has(p))).toEqual([]);
    expect(handled.sort()).toEqual(Object.values(RpcPattern).sort());

    const refused = async () =>
      Number(
        /^flowbridge_rpc_refused_total\{kind="request"[^}]*\} (\d+)$/m.exec(await register.metrics())?.[1] ??
          0,
      );
    const before = await refused();
    const listener = new Redis(testRedisUrl());
    const publisher = new Redis(testRedisUrl());
    const replies: string[] = [];
    try {
      await listener.psubscribe(`${ns}:*.reply`);
      listener.on('pmessage', (_p, _c, message: string) => replies.push(message));
      for (const pattern of handled)
        await publisher.publish(
          `${ns}:${pattern}`,
          JSON.stringify({
            pattern,
            id: randomUUID(),
            data: { workspaceId: 'ws-a', apiId: ids.api, flowId: ids.flow },
          }),
        );
      await until(
        'every unsealed request to be refused',
        async () => (await refused()) >= before + handled.length,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(replies).toEqual([]);
    } finally {
      listener.disconnect();
      publisher.disconnect();
    }
  });
});
