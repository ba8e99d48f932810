import type { LookupAddress } from 'node:dns';
import { randomUUID } from 'node:crypto';
import {
  EventPattern,
  type FlowVersionResponse,
  type MatchTriggerResponse,
  RpcPattern,
  type TriggerEventV1,
} from '@flowbridge/contracts';
import { type FlowDocument, pageExampleFlow, pageExampleForm } from '@flowbridge/flow-engine';
import {
  ApiKeysService,
  EVENTS_CLIENT,
  openRpcMessage,
  rpcClientOptions,
  TEST_INTERNAL_KEY,
  Tenancy,
  TriggerProducer,
} from '@flowbridge/platform';
import { testRedisUrl, until } from '@flowbridge/testing';
import { type ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { firstValueFrom } from 'rxjs';
import { DataSource } from 'typeorm';
import { type ConnectionsHarness, startConnections } from './connections-app';
import { type FlowDefinitionHarness, startFlowDefinition } from './flow-definition-app';
import { MESSAGING_CLIENT } from '../services/flow-definition/src/publishing/forms.client';
import { RunsService } from '../services/flow-definition/src/runs/runs.service';
import { CONNECTIONS_CLIENT } from '../services/flow-definition/src/validation/connections.client';

// Names resolve through this table only: no test reaches real DNS. Nothing here is ever dialled.
const DNS: Record<string, string> = {
  'api.example.com': '93.184.215.14',
  'crm.internal.example.com': '10.0.0.5',
};
const resolver = async (host: string): Promise<LookupAddress[]> => {
  const address = DNS[host];
  if (!address) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

const CHANNEL = '5f1b7c9e-3a2d-4e8f-9b6a-1c2d3e4f5a6b';
const OTHER_CHANNEL = '0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d';

describe('flow-definition service (HTTP + RPC, real Postgres and Redis, a running connections service)', () => {
  let connections: ConnectionsHarness;
  let fd: FlowDefinitionHarness;
  let keyB: string;
  let keyBConnections: string;
  let rpc: ClientProxy;
  let apiId: string;
  let apiB: string;
  let refusedApi: string;

  beforeAll(async () => {
    connections = await startConnections('flowdef-conn', { rpc: true, outbound: { resolver } });
    fd = await startFlowDefinition('flowdef', {
      adminKey: connections.adminKey,
      rpcNamespace: connections.config.RPC_NAMESPACE,
      // No messaging service here: publishing forms gives up soon.
      env: { MESSAGING_RPC_TIMEOUT_MS: '1000' },
    });
    keyB = (await fd.app.get(ApiKeysService).create('ws-b', 'test key B')).key;
    const connKeyB = (await connections.app.get(ApiKeysService).create('ws-b', 'test key B')).key;
    keyBConnections = connKeyB;
    rpc = ClientProxyFactory.create(
      rpcClientOptions(testRedisUrl(), connections.config.RPC_NAMESPACE, TEST_INTERNAL_KEY),
    );

    // The page: the connection "Customer API" and its API "Fetch API Data".
    const customerApi = await connections.call('post', '/connections', {
      title: 'Customer API',
      baseUrl: 'https://api.example.com/data',
    });
    expect(customerApi.status).toBe(201);
    const fetch = await connections.call('post', '/apis', {
      name: 'Fetch API Data',
      connectionId: customerApi.body.id,
      method: 'GET',
      path: '/customers/{{order_id}}',
      responseMapping: { customer_name: 'data.name' },
    });
    expect(fetch.status).toBe(201);
    apiId = fetch.body.id;
    const internal = await connections.call('post', '/connections', {
      title: 'Internal CRM',
      baseUrl: 'https://crm.internal.example.com',
    });
    refusedApi = (
      await connections.call('post', '/apis', {
        name: 'CRM',
        connectionId: internal.body.id,
        method: 'GET',
        path: '/',
      })
    ).body.id;
    const connB = await connections.call(
      'post',
      '/connections',
      { title: 'B API', baseUrl: 'https://api.example.com' },
      connKeyB,
    );
    apiB = (
      await connections.call('post', '/apis', { name: 'B', connectionId: connB.body.id, path: '/' }, connKeyB)
    ).body.id;
  });

  afterAll(async () => {
    await rpc?.close();
    await fd?.close();
    await connections?.close();
  });

  function draft(flow: FlowDocument, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const { name, triggers, startScreen, screens, variables } = flow;
    return {
      name: `${name} ${randomUUID().slice(0, 8)}`,
      triggers,
      startScreen,
      screens,
      variables,
      ...extra,
    };
  }

  /** A page flow whose triggers cannot collide with any other test's. */
  function ownFlow(): FlowDocument {
    const flow = pageExampleFlow(apiId);
    flow.triggers = [{ type: 'keyword', keywords: [`kw-${randomUUID()}`], match: 'exact' }, { type: 'api' }];
    return flow;
  }

  describe("the page's walkthrough", () => {
    it('validation catches a missing failure screen, publish refuses it, the fixed flow publishes as version 1', async () => {
      const broken = pageExampleFlow(apiId);
      delete (broken.screens[0].actions[0] as { onFailure?: string }).onFailure;
      const created = await fd.call('post', '/flows', draft(broken, { channelIds: [CHANNEL] }));
      expect(created.status).toBe(201);
      expect(created.body.publishable).toBe(false);
      expect(created.body.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            severity: 'error',
            screenId: 'welcome',
            path: 'screens[0].actions[0].onFailure',
            code: 'MISSING_FAILURE_SCREEN',
          }),
        ]),
      );
      const id = created.body.id as string;

      const validated = await fd.call('post', `/flows/${id}/validate`);
      expect(validated.status).toBe(200);
      expect(validated.body.problems.map((p: { code: string }) => p.code)).toContain(
        'MISSING_FAILURE_SCREEN',
      );

      const refused = await fd.call('post', `/flows/${id}/publish`);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('FLOW_INVALID');
      expect(refused.body.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'MISSING_FAILURE_SCREEN', screenId: 'welcome' }),
        ]),
      );
      expect((await fd.call('get', `/flows/${id}/versions`)).body.items).toEqual([]);

      const fixed = pageExampleFlow(apiId);
      const patched = await fd.call('patch', `/flows/${id}`, { screens: fixed.screens });
      expect(patched.status).toBe(200);
      expect(patched.body.problems).toEqual([]);
      const published = await fd.call('post', `/flows/${id}/publish`);
      expect(published.status).toBe(201);
      expect(published.body).toMatchObject({ flowId: id, version: 1, active: true, problems: [] });

      const v1 = await fd.call('get', `/flows/${id}/versions/1`);
      expect(v1.status).toBe(200);
      expect(v1.body).toMatchObject({ flowId: id, version: 1, active: true, channelIds: [CHANNEL] });
      expect(v1.body.document.screens.map((s: { title?: string }) => s.title)).toEqual(
        expect.arrayContaining(['First Screen', 'Sample Screen']),
      );
      expect(v1.body.document.screens[0].actions[0]).toEqual({
        type: 'data_exchange',
        api: apiId,
        resultVariable: 'api_response',
        onSuccess: 'first_screen',
        onFailure: 'sample_screen',
      });
      const flow = await fd.call('get', `/flows/${id}`);
      expect(flow.body).toMatchObject({ activeVersion: 1, latestVersion: 1, publishable: true });
      // Keep the keyword triggers of this flow from colliding with other tests.
      await fd.call('post', `/flows/${id}/deactivate`);
    });

    it('the API mapping counts as set: a screen may read customer_name', async () => {
      const flow = ownFlow();
      flow.screens[1].messages.push({ type: 'text', text: 'Hello {{customer_name}}' });
      const created = await fd.call('post', '/flows', draft(flow));
      expect(created.body.problems).toEqual([]);
    });

    it('refuses an API of another workspace and an API whose URL the policy refuses', async () => {
      for (const [api, code] of [
        [apiB, 'UNKNOWN_API'],
        [randomUUID(), 'UNKNOWN_API'],
        [refusedApi, 'API_URL_REFUSED'],
      ] as const) {
        const created = await fd.call('post', '/flows', draft(pageExampleFlow(api)));
        expect(created.status).toBe(201);
        const published = await fd.call('post', `/flows/${created.body.id}/publish`);
        expect(published.status).toBe(422);
        expect(published.body.problems).toEqual([
          expect.objectContaining({
            severity: 'error',
            screenId: 'welcome',
            path: 'screens[0].actions[0].api',
            code,
          }),
        ]);
      }
      const refused = await fd.call('post', '/flows', draft(pageExampleFlow(refusedApi)));
      // Refused without saying where the name points (issue 17: no internal-DNS oracle).
      expect(refused.body.problems[0].message).toContain('resolves to an address that is not public');
      expect(refused.body.problems[0].message).not.toContain('10.0.0.5');
    });
  });

  it('[issue 20] its RPC clients connect at start-up, not inside the first admin request that needs them', async () => {
    // Nest connects a client on first use, inside that request (its "Connected to Redis" lines logged as the
    // request's). The messaging client is used only to publish forms, which no request here has done yet.
    for (const token of [CONNECTIONS_CLIENT, EVENTS_CLIENT, MESSAGING_CLIENT]) {
      const client = fd.app.get<{ pubClient?: { status: string } | null }>(token);
      await until(`the ${String(token)} connected`, async () => client.pubClient?.status === 'ready');
    }
  });

  it('[issue 19] a WhatsApp form in the flow is verified with it: its footer’s API is looked up in the workspace', async () => {
    const created = await fd.call('post', '/flows', draft(ownFlow(), { forms: [pageExampleForm(apiB)] }));
    expect(created.status).toBe(201);
    expect(created.body.draft.forms).toHaveLength(1);
    expect(created.body.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        formId: 'order_lookup',
        screenId: 'ORDER',
        path: 'forms[0].screens[0].footer.action.api',
        code: 'UNKNOWN_API',
      }),
    ]);
    const fixed = await fd.call('patch', `/flows/${created.body.id}`, { forms: [pageExampleForm(apiId)] });
    expect(fixed.body.problems).toEqual([]);
    // Publishing makes the forms Flows on the Cloud API through the messaging service (test/flows-endpoint
    // .test.ts); with none answering, nothing is published and the caller is told to try again.
    const publish = await fd.call('post', `/flows/${created.body.id}/publish`);
    expect(publish.status).toBe(503);
    expect(publish.body).toMatchObject({
      code: 'FORMS_UNAVAILABLE',
      message: expect.stringMatching(/try again/),
    });
    expect((await fd.call('get', `/flows/${created.body.id}/versions`)).body.items).toEqual([]);
  });

  describe('versions', () => {
    it('[issue 21] two editors cannot silently overwrite each other: the draft has an ETag, and a save with a stale If-Match is refused (412)', async () => {
      const created = await fd.call(
        'post',
        '/flows',
        draft(ownFlow(), { name: `Two editors ${randomUUID()}` }),
      );
      const id = created.body.id as string;
      const read = await fd.call('get', `/flows/${id}`);
      const revision = read.body.revision as number;
      expect(read.headers.etag).toBe(`"${revision}"`);

      // Both editors read revision N; the first saves, the second's save (still at N) is refused, not applied.
      const screens = (text: string) => {
        const flow = ownFlow();
        flow.screens[5].messages = [{ type: 'text', text }];
        return flow.screens;
      };
      const first = await fd.call('patch', `/flows/${id}`, { screens: screens('first editor') }, undefined, {
        'If-Match': `"${revision}"`,
      });
      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe(`"${revision + 1}"`);
      const second = await fd.call(
        'patch',
        `/flows/${id}`,
        { screens: screens('second editor') },
        undefined,
        {
          'If-Match': `"${revision}"`,
        },
      );
      expect(second.status).toBe(412);
      expect(second.body).toMatchObject({ code: 'REVISION_CHANGED', field: 'If-Match' });
      expect((await fd.call('get', `/flows/${id}`)).body.draft.screens[5].messages[0].text).toBe(
        'first editor',
      );

      // At once, from the same revision: exactly one is saved.
      const at = revision + 1;
      const racing = await Promise.all(
        ['a', 'b', 'c'].map((who) =>
          fd.call('patch', `/flows/${id}`, { screens: screens(who) }, undefined, { 'If-Match': `W/"${at}"` }),
        ),
      );
      expect(racing.map((r) => r.status).sort()).toEqual([200, 412, 412]);
      const winner = racing.find((r) => r.status === 200)!;
      const now = await fd.call('get', `/flows/${id}`);
      expect(now.body.revision).toBe(at + 1);
      expect(now.body.draft.screens[5].messages).toEqual(winner.body.draft.screens[5].messages);

      // Without If-Match (or with *) a save is not checked, as before; a malformed one is a 400 naming it.
      expect((await fd.call('patch', `/flows/${id}`, { name: `Renamed ${randomUUID()}` })).status).toBe(200);
      const any = await fd.call('patch', `/flows/${id}`, { screens: screens('any') }, undefined, {
        'If-Match': '*',
      });
      expect(any.status).toBe(200);
      const malformed = await fd.call('patch', `/flows/${id}`, { screens: screens('x') }, undefined, {
        'If-Match': 'yesterday',
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'If-Match' });
    });

    it("[issue 21] the Flow Builder's layout is saved with the draft, publishes with it, and a bad one is a problem at its path", async () => {
      const flow = ownFlow();
      const layout = { screens: { [flow.screens[0].id]: { x: 40, y: -120.5 }, gone: { x: 0, y: 0 } } };
      const created = await fd.call('post', '/flows', draft(flow, { layout }));
      expect(created.status).toBe(201);
      expect(created.body.draft.layout).toEqual(layout);
      expect(created.body.publishable).toBe(true);
      const id = created.body.id as string;

      const moved = { screens: { [flow.screens[0].id]: { x: 300, y: 80 } } };
      expect((await fd.call('patch', `/flows/${id}`, { layout: moved })).body.draft.layout).toEqual(moved);
      const published = await fd.call('post', `/flows/${id}/publish`);
      expect(published.status).toBe(201);
      expect((await fd.call('get', `/flows/${id}/versions/1`)).body.document.layout).toEqual(moved);

      const bad = await fd.call('patch', `/flows/${id}`, { layout: { screens: { a: { x: 'left', y: 0 } } } });
      expect(bad.status).toBe(200);
      expect(bad.body.publishable).toBe(false);
      expect(bad.body.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ severity: 'error', path: 'layout.screens.a.x' })]),
      );
    });

    it('editing the draft leaves published versions unchanged; activate rolls back and forward', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const id = created.body.id as string;
      expect((await fd.call('post', `/flows/${id}/publish`)).body.version).toBe(1);

      const edited = ownFlow();
      edited.triggers = created.body.draft.triggers;
      edited.screens[5].messages = [{ type: 'text', text: 'Version two says hi.' }];
      expect((await fd.call('patch', `/flows/${id}`, { screens: edited.screens })).status).toBe(200);
      const v1 = await fd.call('get', `/flows/${id}/versions/1`);
      expect(v1.body.document.screens[5].messages[0].text).toBe('An agent will call you shortly.');
      expect((await fd.call('get', `/flows/${id}`)).body.activeVersion).toBe(1);

      expect((await fd.call('post', `/flows/${id}/publish`)).body).toMatchObject({
        version: 2,
        active: true,
      });
      expect(
        (await fd.call('get', `/flows/${id}/versions/2`)).body.document.screens[5].messages[0].text,
      ).toBe('Version two says hi.');
      const rolledBack = await fd.call('post', `/flows/${id}/versions/1/activate`);
      expect(rolledBack.status).toBe(200);
      expect(rolledBack.body).toMatchObject({ version: 1, active: true });
      const list = await fd.call('get', `/flows/${id}/versions`);
      expect(list.body).toMatchObject({
        activeVersion: 1,
        items: [
          { version: 2, active: false },
          { version: 1, active: true },
        ],
      });
      expect((await fd.call('post', `/flows/${id}/versions/2/activate`)).body.active).toBe(true);
      expect((await fd.call('post', `/flows/${id}/versions/3/activate`)).status).toBe(404);
      const notANumber = await fd.call('post', `/flows/${id}/versions/x/activate`);
      expect(notANumber.body.code).toBe('VERSION_NOT_FOUND');
      expect((await fd.call('post', `/flows/${id}/deactivate`)).body).toEqual({ activeVersion: null });
      expect((await fd.call('get', `/flows/${id}`)).body.activeVersion).toBeNull();
    });

    it('publishes flow.published on publish and on deactivation (a cache hint)', async () => {
      const subscriber = new Redis(testRedisUrl());
      try {
        await subscriber.subscribe(`${fd.config.RPC_NAMESPACE}:${EventPattern.FlowPublished}`);
        const received: Array<Record<string, unknown>> = [];
        const two = new Promise<void>((resolve) =>
          subscriber.on('message', (channel, message: string) => {
            // Sealed on the wire (issue 17): it opens only with the internal key.
            const opened = openRpcMessage(TEST_INTERNAL_KEY, channel, message);
            received.push((opened as { data: Record<string, unknown> }).data);
            if (received.length === 2) resolve();
          }),
        );
        const created = await fd.call('post', '/flows', draft(ownFlow()));
        await fd.call('post', `/flows/${created.body.id}/publish`);
        await fd.call('post', `/flows/${created.body.id}/deactivate`);
        await two;
        expect(received).toEqual([
          expect.objectContaining({
            workspaceId: 'ws-a',
            flowId: created.body.id,
            activeVersion: 1,
            change: 'published',
          }),
          expect.objectContaining({ flowId: created.body.id, activeVersion: null, change: 'deactivated' }),
        ]);
      } finally {
        subscriber.disconnect();
      }
    });

    it('concurrent publishes of one flow make distinct versions, never a lost one', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const results = await Promise.all(
        [1, 2, 3].map(() => fd.call('post', `/flows/${created.body.id}/publish`)),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(results.map((r) => r.body.version as number).sort()).toEqual([1, 2, 3]);
      expect((await fd.call('get', `/flows/${created.body.id}`)).body).toMatchObject({
        latestVersion: 3,
        activeVersion: 3,
      });
      await fd.call('post', `/flows/${created.body.id}/deactivate`);
    });

    it('the database refuses to change a published version', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      await fd.call('post', `/flows/${created.body.id}/publish`);
      const db = new DataSource({ type: 'postgres', url: fd.db.url });
      await db.initialize();
      try {
        await expect(
          db.query(`UPDATE flow_definition.flow_versions SET document = '{}' WHERE flow_id = $1`, [
            created.body.id,
          ]),
        ).rejects.toThrow('flow versions are immutable');
      } finally {
        await db.destroy();
      }
    });
  });

  describe('trigger matching (RPC flows.match-trigger) and flows.version', () => {
    const match = (message: unknown, channelId = CHANNEL, workspaceId = 'ws-a') =>
      firstValueFrom(
        rpc.send<MatchTriggerResponse>(RpcPattern.FlowsMatchTrigger, { workspaceId, channelId, message }),
      );

    it('picks the active flow by keyword, button payload and fallback; refuses colliding keywords', async () => {
      const word = `track-${randomUUID().slice(0, 6)}`;
      const tracking = ownFlow();
      tracking.triggers = [
        { type: 'keyword', keywords: [word], match: 'exact' },
        { type: 'button', payloads: [`${word}-btn`] },
      ];
      const a = await fd.call('post', '/flows', draft(tracking, { channelIds: [CHANNEL] }));
      expect((await fd.call('post', `/flows/${a.body.id}/publish`)).status).toBe(201);
      const regex = ownFlow();
      regex.triggers = [{ type: 'keyword', keywords: [`^${word}\\s+\\d+$`], match: 'regex' }];
      const b = await fd.call('post', '/flows', draft(regex, { channelIds: [CHANNEL] }));
      expect((await fd.call('post', `/flows/${b.body.id}/publish`)).status).toBe(201);

      expect(await match({ kind: 'text', text: ` ${word.toUpperCase()} ` })).toEqual({
        ok: true,
        match: { flowId: a.body.id, version: 1, trigger: 'keyword_exact' },
      });
      expect(await match({ kind: 'text', text: `${word} 42` })).toEqual({
        ok: true,
        match: { flowId: b.body.id, version: 1, trigger: 'keyword_regex' },
      });
      expect(await match({ kind: 'choice', id: `${word}-btn`, title: 'Go' })).toMatchObject({
        match: { flowId: a.body.id, trigger: 'button' },
      });
      expect(await match({ kind: 'text', text: word }, OTHER_CHANNEL)).toEqual({ ok: true, match: null });
      expect(await match({ kind: 'text', text: word }, CHANNEL, 'ws-b')).toEqual({ ok: true, match: null });
      expect(await match({ kind: 'nonsense' })).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });

      // The same keyword on the same channel: publish names the flow it collides with.
      const clash = ownFlow();
      clash.triggers = [{ type: 'keyword', keywords: [word], match: 'contains' }];
      const c = await fd.call('post', '/flows', draft(clash, { channelIds: [CHANNEL] }));
      const refused = await fd.call('post', `/flows/${c.body.id}/publish`);
      expect(refused.status).toBe(422);
      expect(refused.body.problems).toEqual([
        expect.objectContaining({ code: 'TRIGGER_CONFLICT', path: 'triggers', screenId: null }),
      ]);
      expect(refused.body.problems[0].message).toContain(tracking.name);
      // On another channel it does not collide.
      await fd.call('patch', `/flows/${c.body.id}`, { channelIds: [OTHER_CHANNEL] });
      expect((await fd.call('post', `/flows/${c.body.id}/publish`)).status).toBe(201);
      expect(await match({ kind: 'text', text: word }, OTHER_CHANNEL)).toMatchObject({
        match: { flowId: c.body.id, trigger: 'keyword_contains' },
      });
      // Deactivated flows stop matching.
      await fd.call('post', `/flows/${a.body.id}/deactivate`);
      expect(await match({ kind: 'text', text: word })).toEqual({ ok: true, match: null });
      await fd.call('post', `/flows/${b.body.id}/deactivate`);
      await fd.call('post', `/flows/${c.body.id}/deactivate`);
    });

    it('serves an immutable version document to its own workspace only', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      await fd.call('post', `/flows/${created.body.id}/publish`);
      const ask = (workspaceId: string, version: unknown) =>
        firstValueFrom(
          rpc.send<FlowVersionResponse>(RpcPattern.FlowsVersion, {
            workspaceId,
            flowId: created.body.id,
            version,
          }),
        );
      const found = await ask('ws-a', 1);
      expect(found.ok && found.version.document.startScreen).toBe('welcome');
      expect(found.ok && found.version.version).toBe(1);
      expect(await ask('ws-b', 1)).toMatchObject({ ok: false, code: 'VERSION_NOT_FOUND' });
      expect(await ask('ws-a', 2)).toMatchObject({ ok: false, code: 'VERSION_NOT_FOUND' });
      expect(await ask('ws-a', 'one')).toMatchObject({ ok: false, code: 'INVALID_REQUEST' });
      // Runs in progress finish on their version: it stays readable after deactivation and deletion.
      await fd.call('post', `/flows/${created.body.id}/deactivate`);
      expect((await fd.call('delete', `/flows/${created.body.id}`)).status).toBe(204);
      expect(await ask('ws-a', 1)).toMatchObject({ ok: true, version: { version: 1 } });
    });
  });

  describe('the API trigger', () => {
    it('enqueues one trigger event per request, one per Idempotency-Key', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const id = created.body.id as string;
      const body = {
        channelId: CHANNEL,
        contact: { waId: '447700900123', name: 'Ana' },
        variables: { order_id: 'A-17' },
      };
      expect((await fd.call('post', `/flows/${id}/runs`, body)).body.code).toBe('FLOW_NOT_ACTIVE');
      await fd.call('post', `/flows/${id}/publish`);

      const started = await fd.call('post', `/flows/${id}/runs`, body);
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ flowId: id, version: 1 });
      const job = await fd.app.get(TriggerProducer).find(started.body.eventId);
      expect(job).toMatchObject<Partial<TriggerEventV1>>({
        version: 1,
        eventId: started.body.eventId,
        workspaceId: 'ws-a',
        channelId: CHANNEL,
        contact: { waId: '447700900123', name: 'Ana' },
        source: { type: 'api', flowId: id, flowVersion: 1, variables: { order_id: 'A-17' } },
      });

      const headers = { 'Idempotency-Key': `order-A-17-${id}` };
      const first = await fd.call('post', `/flows/${id}/runs`, body, undefined, headers);
      const again = await fd.call('post', `/flows/${id}/runs`, body, undefined, headers);
      expect(first.status).toBe(202);
      expect(again.body.eventId).toBe(first.body.eventId);
      expect(first.body.eventId).not.toBe(started.body.eventId);

      const bad = await fd.call('post', `/flows/${id}/runs`, { ...body, contact: { waId: '+44 7700' } });
      expect(bad.status).toBe(400);
      expect(bad.body.field).toBe('contact.waId');
      await fd.call('post', `/flows/${id}/deactivate`);
    });

    it('[issue 18] records each event in Postgres before the 202; a Redis that lost it gets it again (same id)', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const id = created.body.id as string;
      await fd.call('post', `/flows/${id}/publish`);
      const since = new Date(Date.now() - 1000);
      const started = await fd.call('post', `/flows/${id}/runs`, {
        channelId: CHANNEL,
        contact: { waId: '447700900124' },
        variables: { order_id: 'B-2' },
      });
      expect(started.status).toBe(202);
      const eventId = started.body.eventId as string;
      const db = fd.app.get(DataSource);
      const recorded = await Tenancy.forWorkspace('ws-a', () =>
        db.query<Array<{ event: TriggerEventV1 }>>(
          `SELECT event FROM flow_definition.api_triggers WHERE event_id = $1`,
          [eventId],
        ),
      );
      expect(recorded).toHaveLength(1);
      expect(recorded[0].event).toMatchObject({ eventId, source: { type: 'api', flowId: id } });
      // What a Redis that died with its last second of writes leaves: the job gone.
      const producer = fd.app.get(TriggerProducer);
      const job = await producer.job(eventId);
      await job!.remove();
      expect(await producer.find(eventId)).toBeNull();
      // The epoch watcher's recovery, as it runs when it sees a new Redis run_id: the event is queued again.
      const runs = fd.app.get(RunsService);
      const requeued = await Tenancy.acrossWorkspaces(() => db.transaction((tx) => runs.requeue(tx, since)));
      expect(requeued).toBeGreaterThanOrEqual(1);
      expect(await producer.find(eventId)).toMatchObject({ eventId, contact: { waId: '447700900124' } });
      await fd.call('post', `/flows/${id}/deactivate`);
    });

    it('refuses a flow whose active version has no API trigger', async () => {
      const flow = ownFlow();
      flow.triggers = flow.triggers.filter((t) => t.type !== 'api');
      const created = await fd.call('post', '/flows', draft(flow));
      await fd.call('post', `/flows/${created.body.id}/publish`);
      const res = await fd.call('post', `/flows/${created.body.id}/runs`, {
        channelId: CHANNEL,
        contact: { waId: '447700900123' },
      });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('API_TRIGGER_NOT_ENABLED');
      await fd.call('post', `/flows/${created.body.id}/deactivate`);
    });
  });

  describe('access and bad input', () => {
    it('[D1][D4] 401 without a key, 404 for another workspace or a malformed id, on every route', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const id = created.body.id as string;
      const routes: Array<['get' | 'post' | 'patch' | 'delete', string, unknown?]> = [
        ['get', `/flows/${id}`],
        ['patch', `/flows/${id}`, { name: 'x' }],
        ['post', `/flows/${id}/validate`],
        ['post', `/flows/${id}/publish`],
        ['get', `/flows/${id}/versions`],
        ['get', `/flows/${id}/versions/1`],
        ['post', `/flows/${id}/versions/1/activate`],
        ['post', `/flows/${id}/deactivate`],
        ['post', `/flows/${id}/runs`, { channelId: CHANNEL, contact: { waId: '447700900123' } }],
        ['get', `/flows/${id}/export`],
        ['delete', `/flows/${id}`],
      ];
      for (const [method, path, body] of routes) {
        expect((await fd.call(method, path, body, null)).status).toBe(401);
        const other = await fd.call(method, path, body, keyB);
        expect([method, path, other.status, other.body.code]).toEqual([method, path, 404, 'FLOW_NOT_FOUND']);
      }
      expect((await fd.call('get', '/flows/not-a-uuid')).body.code).toBe('FLOW_NOT_FOUND');
      expect((await fd.call('get', '/flows', undefined, keyB)).body.items).toEqual([]);
      expect((await fd.call('get', `/flows/${id}`)).status).toBe(200);
      expect((await fd.call('delete', `/flows/${id}`)).status).toBe(204);
      expect((await fd.call('get', `/flows/${id}`)).status).toBe(404);
    });

    it.each([
      ['an unknown top-level field', { name: 'x', color: 'red' }, 'UNKNOWN_FIELD', 'color'],
      ['screens that are not a list', { name: 'x', screens: 'many' }, 'VALIDATION_FAILED', 'screens'],
      [
        'a channel id that is not a uuid',
        { name: 'x', channelIds: ['nope'] },
        'VALIDATION_FAILED',
        'channelIds',
      ],
      ['no name', { screens: [] }, 'VALIDATION_FAILED', 'name'],
    ])('400 for %s', async (_what, body, code, field) => {
      const res = await fd.call('post', '/flows', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code, field });
    });

    it('409 for a name already used in the workspace (any case)', async () => {
      const name = `Orders ${randomUUID()}`;
      expect((await fd.call('post', '/flows', { name })).status).toBe(201);
      const again = await fd.call('post', '/flows', { name: name.toUpperCase() });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'FLOW_NAME_TAKEN', field: 'name' });
      expect((await fd.call('post', '/flows', { name }, keyB)).status).toBe(201);
    });
  });

  describe('[issue 20] export and import', () => {
    it('exports the draft or a version, to its own workspace only', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const id = created.body.id as string;
      expect((await fd.call('post', `/flows/${id}/publish`)).status).toBe(201);
      await fd.call('patch', `/flows/${id}`, { startScreen: 'sample_screen' });
      const latest = await fd.call('get', `/flows/${id}/export`);
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({
        format: 'flowbridge.flow-bundle/1',
        source: { flowId: id, version: null },
        flow: { document: { startScreen: 'sample_screen' } },
        connections: [expect.objectContaining({ title: 'Customer API', requiredSecrets: [] })],
        apis: [expect.objectContaining({ id: apiId, name: 'Fetch API Data', connection: 'Customer API' })],
      });
      const v1 = await fd.call('get', `/flows/${id}/export?version=1`);
      expect(v1.body).toMatchObject({
        source: { version: 1 },
        flow: { document: { startScreen: 'welcome' } },
      });
      expect((await fd.call('get', `/flows/${id}/export?version=9`)).body.code).toBe('VERSION_NOT_FOUND');
      expect((await fd.call('get', `/flows/${id}/export?version=x`)).status).toBe(404);
      const other = await fd.call('get', `/flows/${id}/export`, undefined, keyB);
      expect([other.status, other.body.code]).toEqual([404, 'FLOW_NOT_FOUND']);
    });

    it('refuses a bundle that is not one, naming the field', async () => {
      const res = await fd.call('post', '/flows/import', { bundle: { format: 'something else' } });
      expect([res.status, res.body.code, res.body.field]).toEqual([
        400,
        'VALIDATION_FAILED',
        'bundle.format',
      ]);
      const noBundle = await fd.call('post', '/flows/import', { name: 'x' });
      expect([noBundle.status, noBundle.body.field]).toEqual([400, 'bundle']);
    });

    it('lists every problem at once and creates nothing: a secret header, an API not carried, a name on another connection', async () => {
      const created = await fd.call('post', '/flows', draft(ownFlow()));
      const bundle = (await fd.call('get', `/flows/${created.body.id}/export`)).body as {
        flow: { document: { screens: Array<{ actions: Array<Record<string, unknown>> }> } };
        apis: Array<Record<string, unknown>>;
        connections: Array<Record<string, unknown>>;
      };
      // The API needs a secret header; the flow also calls an API the bundle does not carry; and workspace B has
      // an API named "B" on its own connection, which this bundle says is on "Customer API".
      bundle.apis[0].requiredSecrets = ['headers.x-api-key'];
      bundle.apis.push({ ...bundle.apis[0], id: randomUUID(), name: 'B', requiredSecrets: [] });
      bundle.flow.document.screens[0].actions.unshift({
        type: 'data_exchange',
        api: randomUUID(),
        onSuccess: 'first_screen',
        onFailure: 'sample_screen',
      });
      const before = await connections.call('get', '/connections', undefined, keyBConnections);
      const flowsBefore = await fd.call('get', '/flows', undefined, keyB);
      const res = await fd.call('post', '/flows/import', { bundle }, keyB);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('IMPORT_REFUSED');
      expect(
        (res.body.problems as Array<{ code: string; field: string }>).map((p) => [p.code, p.field]).sort(),
      ).toEqual([
        ['API_NOT_IN_BUNDLE', 'bundle.flow.document'],
        ['API_ON_OTHER_CONNECTION', 'bundle.apis[1].name'],
        ['SECRET_REQUIRED', 'secrets.apis["Fetch API Data"].headers.x-api-key'],
      ]);
      expect((await connections.call('get', '/connections', undefined, keyBConnections)).body).toEqual(
        before.body,
      );
      expect((await fd.call('get', '/flows', undefined, keyB)).body).toEqual(flowsBefore.body);
    });

    it('with two connections replicas hearing the RPC, an import creates each connection and API once and says so', async () => {
      // Pub/sub gives the import to both replicas: before one claimed it, both ran it, and the caller could get
      // the replica that lost the race on the unique title (422) while the other had created everything.
      const replica = await startConnections('flowdef-conn-2', { rpc: true, replicaOf: connections });
      try {
        const created = await fd.call('post', '/flows', draft(ownFlow()));
        const bundle = (await fd.call('get', `/flows/${created.body.id}/export`)).body as {
          apis: Array<Record<string, unknown>>;
          connections: Array<Record<string, unknown>>;
        };
        const titles: string[] = [];
        for (let i = 0; i < 5; i++) {
          const tag = randomUUID().slice(0, 8);
          bundle.connections[0].title = bundle.apis[0].connection = `Replicated ${tag}`;
          bundle.apis[0].name = `Replicated API ${tag}`;
          const res = await fd.call('post', '/flows/import', { bundle, name: `Imported ${tag}` }, keyB);
          expect([res.status, res.body.created]).toEqual([
            201,
            { connections: [`Replicated ${tag}`], apis: [`Replicated API ${tag}`] },
          ]);
          titles.push(`Replicated ${tag}`);
        }
        const listed = await connections.call('get', '/connections?limit=100', undefined, keyBConnections);
        const mine = (listed.body.items as Array<{ title: string }>)
          .map((c) => c.title)
          .filter((t) => t.startsWith('Replicated '));
        expect(mine.sort()).toEqual([...titles].sort());
        // The replica that did not answer counted it.
        const left = /^flowbridge_rpc_left_to_another_replica_total(?:\{[^}]*\})? (\d+)$/m.exec(
          await register.metrics(),
        );
        expect(Number(left?.[1])).toBeGreaterThan(0);
      } finally {
        await replica.close();
      }
    });
  });

  describe('without the connections service', () => {
    let lonely: FlowDefinitionHarness;

    beforeAll(async () => {
      lonely = await startFlowDefinition('flowdef-alone', {
        adminKey: connections.adminKey,
        rpcNamespace: `fbtest-nobody-${randomUUID().slice(0, 8)}`,
        env: { CONNECTIONS_RPC_TIMEOUT_MS: '300' },
      });
    });

    afterAll(async () => {
      await lonely?.close();
    });

    it('saves the draft with a warning, and refuses to publish unchecked (503)', async () => {
      const created = await lonely.call('post', '/flows', draft(ownFlow()));
      expect(created.status).toBe(201);
      expect(created.body.problems).toEqual([
        expect.objectContaining({ severity: 'warning', code: 'API_UNAVAILABLE' }),
      ]);
      const published = await lonely.call('post', `/flows/${created.body.id}/publish`);
      expect(published.status).toBe(503);
      expect(published.body.code).toBe('CONNECTIONS_UNAVAILABLE');
      expect((await lonely.call('get', `/flows/${created.body.id}/versions`)).body.items).toEqual([]);
    });
  });
});
