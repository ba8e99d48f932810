import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { SecretBox } from '@flowbridge/platform';
import { testDatabaseServerUrl, until } from '@flowbridge/testing';
import { WebhookChannels } from '../services/whatsapp-messaging/src/webhooks/webhook-channels';
import { type Sandbox, startSandbox } from '../tools/sandbox/src/sandbox';
import { type MessagingHarness, startMessaging } from './messaging-app';
import { observe } from './reliability/harness/observe';
import {
  type BusinessNumber,
  inboundMessage,
  sign,
  statusUpdate,
  textMessage,
  wamid,
  webhookBody,
} from './whatsapp-payloads';

const CONTACT = '447700900301';

describe('whatsapp-messaging: channels and webhook ingestion (real Postgres and Redis)', () => {
  let svc: MessagingHarness;
  const number: BusinessNumber = {
    phoneNumberId: '100000000001',
    displayPhoneNumber: '+1 555 0100',
    wabaId: '200000000001',
  };
  const other: BusinessNumber = {
    phoneNumberId: '100000000002',
    displayPhoneNumber: '+1 555 0101',
    wabaId: '200000000002',
  };
  const appSecret = `app-secret-${randomBytes(8).toString('hex')}`;
  const otherSecret = `other-secret-${randomBytes(8).toString('hex')}`;
  const verifyToken = `verify-${randomBytes(8).toString('hex')}`;
  let channelId: string;
  // The Cloud API, which a channel's number is checked against when it is connected.
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      webhookUrl: 'http://127.0.0.1:9/unset',
      numbers: [
        { ...number, appSecret, accessToken: 'EAAG-canary-access-token-0001' },
        { ...other, appSecret: otherSecret },
      ],
    });
    svc = await startMessaging('messaging', { env: { GRAPH_API_BASE_URL: sandbox.url } });
    const created = await svc.call('post', '/channels', {
      ...number,
      accessToken: 'EAAG-canary-access-token-0001',
      appSecret,
      verifyToken,
    });
    expect(created.status).toBe(201);
    channelId = created.body.id;
    expect(
      (
        await svc.call('post', '/channels', {
          ...other,
          accessToken: 'EAAG-other',
          appSecret: otherSecret,
          verifyToken: 'another-verify-token',
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await svc?.close();
    await sandbox?.close();
  });

  /** POSTs the body as the given bytes, signed with `secret` unless a signature header is given. */
  function post(raw: Buffer | string, signature: string | null = sign(raw, appSecret)) {
    let req = svc.request().post('/webhooks/whatsapp').set('content-type', 'application/json');
    if (signature !== null) req = req.set('x-hub-signature-256', signature);
    // A string goes out byte for byte (superagent would JSON-encode a Buffer).
    return req.send(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw);
  }

  async function sql<T>(text: string, params: unknown[] = [], url = svc.db.url): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async function triggersOf(messageIds: string[]) {
    const ids = new Set(messageIds);
    return (await svc.triggers()).filter((t) => t.source.type === 'message' && ids.has(t.source.messageId));
  }

  describe('channels', () => {
    it('never returns secrets; a number belongs to one channel; bad input names its field', async () => {
      const got = await svc.call('get', `/channels/${channelId}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        ...number,
        verifyToken,
        graphApiVersion: 'v24.0',
        messagesPerSecond: 80,
      });
      expect(JSON.stringify(got.body)).not.toContain('canary-access-token');
      expect(JSON.stringify(got.body)).not.toContain(appSecret);
      const stored = await sql(
        `SELECT access_token::text AS t, app_secret::text AS s FROM whatsapp_messaging.channels`,
      );
      expect(JSON.stringify(stored)).not.toContain('canary-access-token');
      expect(JSON.stringify(stored)).not.toContain(appSecret);

      const taken = await svc.call('post', '/channels', {
        ...number,
        accessToken: 'EAAG-canary-access-token-0001',
        appSecret: 'y',
        verifyToken: 'zzzzzzzz',
      });
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ code: 'CHANNEL_NUMBER_TAKEN', field: 'phoneNumberId' });
      const bad = await svc.call('post', '/channels', {
        ...number,
        phoneNumberId: '+1 555',
        accessToken: 'x',
        appSecret: 'y',
        verifyToken: 'zzzzzzzz',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.field).toBe('phoneNumberId');
      // [issue 17] A number the token does not see on the Cloud API is not connected: no one claims another's.
      const squatter = await svc.call('post', '/channels', {
        phoneNumberId: '100000000055',
        displayPhoneNumber: '+1 555 0155',
        wabaId: '200000000055',
        accessToken: 'EAAG-someone',
        appSecret: 'y',
        verifyToken: 'zzzzzzzz',
      });
      expect(squatter.status).toBe(422);
      expect(squatter.body).toMatchObject({ code: 'PHONE_NUMBER_NOT_VERIFIED', field: 'phoneNumberId' });
      const patched = await svc.call('patch', `/channels/${channelId}`, {
        accessToken: 'EAAG-not-the-owners',
      });
      expect(patched.status).toBe(422);
      expect(patched.body.code).toBe('PHONE_NUMBER_NOT_VERIFIED');
      expect((await svc.call('get', '/channels', undefined, null)).status).toBe(401);
      expect((await svc.call('get', '/channels/not-a-uuid')).status).toBe(404);
      const health = await svc.call('get', `/channels/${channelId}/health`);
      expect(health.body).toEqual({ id: channelId, healthy: true, tokenValid: true, lastError: null });
    });
  });

  describe("Meta's verify handshake", () => {
    const handshake = (query: Record<string, string>) => svc.request().get('/webhooks/whatsapp').query(query);

    it('[B3] answers the challenge as plain text for a known verify token, 403 otherwise', async () => {
      const ok = await handshake({
        'hub.mode': 'subscribe',
        'hub.verify_token': verifyToken,
        'hub.challenge': '1158201444',
      });
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain/);
      expect(ok.text).toBe('1158201444');
      const refusedQueries: Array<Record<string, string>> = [
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong-token', 'hub.challenge': '1' },
        { 'hub.mode': 'unsubscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1' },
        { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
        { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken },
      ];
      for (const query of refusedQueries) {
        const refused = await handshake(query);
        expect(refused.status).toBe(403);
        expect(refused.text).not.toContain('1158201444');
      }
    });

    it('[issue 17] answers only text/plain with nosniff, and keeps the verify token and challenge out of the access log', async () => {
      const challenge = '<script>alert("fb-xss-marker")</script>';
      const ok = await handshake({
        'hub.mode': 'subscribe',
        'hub.verify_token': verifyToken,
        'hub.challenge': challenge,
      });
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain/);
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      await until('the access log line', async () =>
        svc.logs
          .lines()
          .some((l) => String((l.req as { url?: string } | undefined)?.url).includes('hub.mode')),
      );
      expect(svc.logs.text).not.toContain(verifyToken);
      expect(svc.logs.text).not.toContain('fb-xss-marker');
      expect(svc.logs.text).toContain('hub.verify_token=[REDACTED]');
    });
  });

  it('[issue 18] an accepted webhook is a debug line in the access log; a refused one stays at info', async () => {
    const accepted = `acc-${randomUUID()}`;
    const refused = `ref-${randomUUID()}`;
    const raw = JSON.stringify(webhookBody(number, { messages: [textMessage(CONTACT, 'quiet')] }));
    const ok = await post(raw).set('x-request-id', accepted);
    expect(ok.status).toBe(200);
    const bad = await post(raw, sign(raw, otherSecret)).set('x-request-id', refused);
    expect(bad.status).toBe(401);
    const lineOf = (id: string) =>
      svc.logs.lines().find((l) => (l.req as { id?: string } | undefined)?.id === id && l.res !== undefined);
    await until('the refused webhook logged', async () => lineOf(refused));
    expect(lineOf(refused)?.level).toBe('info');
    // At info (production's level) the accepted one leaves no line; below it, a debug one.
    expect(lineOf(accepted)?.level ?? 'none').toMatch(/^(none|debug)$/);
  });

  it('[issue 18] the webhook POST, answered in front of Nest, carries the headers every framework answer has', async () => {
    const raw = JSON.stringify(webhookBody(number, { messages: [textMessage(CONTACT, 'headers')] }));
    const lean = await post(raw);
    expect(lean.status).toBe(200);
    // A public route of the framework's (an admin route adds its rate limit's headers).
    const framework = await svc.request().get('/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope');
    expect(framework.status).toBe(403);
    // Everything but what describes the body itself (and the date) is the same.
    const perAnswer = new Set([
      'content-type',
      'content-length',
      'etag',
      'date',
      'x-request-id',
      'connection',
    ]);
    const common = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !perAnswer.has(name)));
    expect(common(lean.headers)).toEqual(common(framework.headers));
    expect(lean.headers['x-content-type-options']).toBe('nosniff');
    expect(lean.headers['cache-control']).toBe('no-store');
    expect(lean.headers['x-request-id']).toBeDefined();
  });

  describe('[B1] signatures (nothing is enqueued unless the signature holds)', () => {
    it.each([
      ['missing', () => null, 'SIGNATURE_MISSING'],
      ['sha256= with the wrong hex', () => `sha256=${'ab'.repeat(32)}`, 'SIGNATURE_INVALID'],
      ['the wrong length', (raw: string) => sign(raw, appSecret).slice(0, -2), 'SIGNATURE_MALFORMED'],
      [
        'not sha256=',
        (raw: string) => sign(raw, appSecret).replace('sha256=', 'sha1='),
        'SIGNATURE_MALFORMED',
      ],
      ["another channel's secret", (raw: string) => sign(raw, otherSecret), 'SIGNATURE_INVALID'],
    ])('%s → 401', async (_name, signature, code) => {
      const message = textMessage(CONTACT, 'hello');
      const raw = JSON.stringify(webhookBody(number, { messages: [message] }));
      const res = await post(raw, signature(raw));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
      expect(await triggersOf([message.id as string])).toEqual([]);
    });

    it('[B2] is checked over the raw bytes: non-ASCII text signed as sent passes; a re-serialised copy fails', async () => {
      const message = textMessage(CONTACT, 'Olá! Pedido nº 17 – 👋 ok?');
      // Meta escapes non-ASCII as \uXXXX; the signature covers exactly those bytes.
      const raw = JSON.stringify(webhookBody(number, { messages: [message] })).replace(
        /[\u007f-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      const reserialised = JSON.stringify(JSON.parse(raw) as unknown);
      expect(reserialised).not.toBe(raw);
      const copy = await post(reserialised, sign(raw, appSecret));
      expect(copy.status).toBe(401);
      expect(await triggersOf([message.id as string])).toEqual([]);
      const original = await post(raw);
      expect(original.status).toBe(200);
      const [event] = await triggersOf([message.id as string]);
      expect(event.source).toMatchObject({ message: { kind: 'text', text: 'Olá! Pedido nº 17 – 👋 ok?' } });
    });

    it('[B4] a signed body that is not JSON → 400; a bad envelope → 400 naming the field; over 3 MB → 413', async () => {
      const notJson = await post('{"object": "whatsapp_business_account", ');
      expect(notJson.status).toBe(400);
      expect(notJson.body).toMatchObject({ code: 'MALFORMED_WEBHOOK', field: 'body' });
      const body = webhookBody(number, { messages: [inboundMessage(CONTACT, 'text', {})] });
      const raw = JSON.stringify(body);
      const malformed = await post(raw);
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ code: 'MALFORMED_WEBHOOK', field: 'text' });
      const noEntry = JSON.stringify({ ...body, object: 'page' });
      const wrongObject = await post(noEntry);
      expect(wrongObject.status).toBe(400);
      expect(wrongObject.body.field).toBe('object');

      const huge = Buffer.alloc(svc.config.WEBHOOK_BODY_LIMIT_BYTES + 1, 0x20);
      const tooLarge = await post(huge);
      expect(tooLarge.status).toBe(413);
    });
  });

  describe('ingestion', () => {
    it('[F14][L2] one 3 MB batch of 1,000 messages → 1,000 trigger events; the same batch again → none', async () => {
      const messages = Array.from({ length: 1000 }, (_, i) =>
        textMessage(String(447700910000 + (i % 50)), `message ${i} ${'x'.repeat(2900)}`),
      );
      const raw = JSON.stringify(webhookBody(number, { messages }));
      expect(raw.length).toBeGreaterThan(2.9 * 1024 * 1024);
      expect(raw.length).toBeLessThanOrEqual(svc.config.WEBHOOK_BODY_LIMIT_BYTES);
      const heapBefore = process.memoryUsage().heapUsed;
      const began = Date.now();
      const first = await post(raw);
      const ackMs = Date.now() - began;
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ messages: 1000, duplicates: 0, statuses: 0 });
      const ids = messages.map((m) => m.id as string);
      const events = await triggersOf(ids);
      expect(events).toHaveLength(1000);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(1000);
      // Each contact's messages stay in batch order on its partition.
      const contact = '447700910007';
      const mine = events
        .filter((e) => e.contact.waId === contact)
        .map((e) => e.source.type === 'message' && e.source.messageId);
      expect(mine).toEqual(messages.filter((m) => m.from === contact).map((m) => m.id));

      const again = await post(raw);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ messages: 0, duplicates: 1000, statuses: 0 });
      expect(await triggersOf(ids)).toHaveLength(1000);
      // The service runs in this process here: its heap is what the batch cost, bounded to a few times 3 MB.
      expect(heapGrowth).toBeLessThan(200 * 1024 * 1024);
      observe(
        'L2',
        `One ${(raw.length / 1024 / 1024).toFixed(1)} MB webhook of 1,000 messages: acknowledged in ${ackMs} ms with 1,000 trigger events (each contact's in batch order); heap +${Math.round(heapGrowth / 1024 / 1024)} MB; the same batch again → 0 new, 1,000 duplicates`,
        { ackMs, heapGrowthBytes: heapGrowth, bytes: raw.length },
      );
    });

    it('[issue 18] group commit: 60 webhooks at once share transactions; each answered with its own counts; a copy in flight is a duplicate', async () => {
      const metrics = async () => (await svc.request().get('/metrics')).text;
      const value = (text: string, name: string) =>
        Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const before = await metrics();
      const bodies = Array.from({ length: 60 }, (_, i) =>
        JSON.stringify(
          webhookBody(number, { messages: [textMessage(String(447700920000 + i), `group ${i}`)] }),
        ),
      );
      // The same webhook twice, side by side (Meta delivering again before our first answer reached it).
      const answers = await Promise.all([...bodies, bodies[7]].map((raw) => post(raw)));
      for (const answer of answers) expect(answer.status).toBe(200);
      const counts = answers.map((a) => a.body as { messages: number; duplicates: number });
      expect(counts.reduce((n, c) => n + c.messages, 0)).toBe(60);
      expect(counts.reduce((n, c) => n + c.duplicates, 0)).toBe(1);
      for (const [i, c] of counts.slice(0, 60).entries())
        if (i !== 7) expect(c).toEqual({ messages: 1, duplicates: 0, statuses: 0 });
      const ids = bodies.map(
        (raw) =>
          (
            JSON.parse(raw) as {
              entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }>;
            }
          ).entry[0].changes[0].value.messages[0].id,
      );
      const events = await triggersOf(ids);
      expect(events).toHaveLength(60);
      const after = await metrics();
      const written =
        value(after, 'flowbridge_webhook_batch_size_sum') -
        value(before, 'flowbridge_webhook_batch_size_sum');
      const transactions =
        value(after, 'flowbridge_webhook_batch_size_count') -
        value(before, 'flowbridge_webhook_batch_size_count');
      expect(written).toBe(61);
      expect(transactions).toBeLessThan(written);
    });

    it('[issue 18] webhooks have connections of their own: accepted while the send lane and the API hold every other one', async () => {
      const warm = textMessage('447700920101', 'before the pool is taken');
      expect((await post(JSON.stringify(webhookBody(number, { messages: [warm] })))).status).toBe(200);
      const shared = svc.app.get(DataSource);
      const runners = Array.from({ length: shared.options.poolSize! }, () => shared.createQueryRunner());
      await Promise.all(runners.map((runner) => runner.connect()));
      try {
        const message = textMessage('447700920102', 'while the pool is taken');
        const answer = await post(JSON.stringify(webhookBody(number, { messages: [message] })));
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ messages: 1, duplicates: 0, statuses: 0 });
        expect(await triggersOf([message.id as string])).toHaveLength(1);
      } finally {
        await Promise.all(runners.map((runner) => runner.release()));
      }
      // Named for operators: pg_stat_activity shows which pool a connection belongs to.
      const [{ pools }] = await shared.query<Array<{ pools: string[] }>>(
        `SELECT array_agg(DISTINCT application_name ORDER BY application_name) AS pools
           FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'flowbridge-%'`,
      );
      expect(pools).toEqual(
        expect.arrayContaining(['flowbridge-whatsapp-messaging', 'flowbridge-whatsapp-messaging-webhooks']),
      );
    });

    it('[D8] a webhook for an unknown number is acknowledged and ignored; a number is routed to its own workspace only', async () => {
      const stranger: BusinessNumber = {
        phoneNumberId: '100000000099',
        displayPhoneNumber: '+1 555 0199',
        wabaId: '200000000099',
      };
      const message = textMessage(CONTACT, 'hello from nowhere');
      const raw = JSON.stringify(webhookBody(stranger, { messages: [message] }));
      const res = await post(raw, sign(raw, 'whatever-secret'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ messages: 0, duplicates: 0, statuses: 0 });
      expect(await triggersOf([message.id as string])).toEqual([]);
      expect(
        await sql(`SELECT 1 FROM whatsapp_messaging.messages WHERE wa_message_id = $1`, [message.id]),
      ).toEqual([]);
      const metrics = await svc.request().get('/metrics');
      expect(metrics.text).toMatch(
        /flowbridge_webhook_requests_total\{outcome="unknown_channel"[^}]*\} [1-9]/,
      );
      // The other channel's number, signed by its own app: its workspace's trigger, never this one's channel.
      const theirs = textMessage(CONTACT, 'hello other');
      const theirRaw = JSON.stringify(webhookBody(other, { messages: [theirs] }));
      expect((await post(theirRaw, sign(theirRaw, otherSecret))).status).toBe(200);
      const [event] = await triggersOf([theirs.id as string]);
      expect(event.channelId).not.toBe(channelId);
      const [row] = await sql<{ workspace_id: string; channel_id: string }>(
        `SELECT workspace_id, channel_id FROM whatsapp_messaging.messages WHERE wa_message_id = $1`,
        [theirs.id],
      );
      expect(row).toEqual({ workspace_id: event.workspaceId, channel_id: event.channelId });
    });

    it('[B5] fuzzed webhook bodies (deep nesting, huge arrays, wrong types, __proto__ keys): never a 5xx, never a polluted prototype', async () => {
      const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
      const statuses = new Map<number, number>();
      const shapes = fc.oneof(
        fc.jsonValue({ maxDepth: 6 }),
        fc.record({ object: fc.constant('whatsapp_business_account'), entry: fc.jsonValue({ maxDepth: 4 }) }),
        fc.constantFrom(
          '{"__proto__":{"polluted":1},"object":"whatsapp_business_account","entry":[]}',
          '{"constructor":{"prototype":{"polluted":1}},"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"100000000001"}}}]}]}',
          JSON.stringify({
            entry: [
              {
                changes: Array.from({ length: 5000 }, () => ({
                  value: { metadata: { phone_number_id: '100000000001' } },
                })),
              },
            ],
          }),
          `${'['.repeat(5000)}${']'.repeat(5000)}`,
        ),
      );
      const named = (body: unknown) => {
        // Half of them name the real number, so they pass the channel look-up and reach the envelope parser.
        if (typeof body === 'string') return body;
        return JSON.stringify(
          body === null || typeof body !== 'object'
            ? body
            : {
                ...body,
                entry: [
                  {
                    id: number.wabaId,
                    changes: [
                      {
                        field: 'messages',
                        value: { metadata: { phone_number_id: number.phoneNumberId }, messages: body },
                      },
                    ],
                  },
                ],
              },
        );
      };
      await fc.assert(
        fc.asyncProperty(shapes, fc.boolean(), async (body, real) => {
          const raw = real ? named(body) : typeof body === 'string' ? body : JSON.stringify(body);
          const res = await post(raw);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status).toBeLessThan(500);
          expect(JSON.stringify(res.body ?? {})).not.toMatch(/\n\s+at /);
        }),
        { numRuns: 150 },
      );
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      observe(
        'B5',
        `150 fuzzed bodies (fast-check JSON values up to depth 6, envelope-shaped ones, __proto__/constructor.prototype keys, 5,000 changes, 5,000-deep arrays), all signed: answers ${[...statuses].map(([k, v]) => `${k}×${v}`).join(', ')}; no 5xx, no stack, Object.prototype untouched`,
        Object.fromEntries([...statuses].map(([k, v]) => [`status${k}`, v])),
      );
    }, 60_000);

    it('a tapped button becomes a typed trigger event with the profile name; the log shows it received', async () => {
      const tap = inboundMessage(CONTACT, 'interactive', {
        interactive: { type: 'button_reply', button_reply: { id: 'agent', title: 'Talk to us' } },
        context: { from: number.displayPhoneNumber, id: 'wamid.question' },
      });
      const res = await post(
        JSON.stringify(webhookBody(number, { messages: [tap], contacts: [{ waId: CONTACT, name: 'Ana' }] })),
      );
      expect(res.status).toBe(200);
      const [event] = await triggersOf([tap.id as string]);
      expect(event).toMatchObject({
        version: 1,
        workspaceId: 'ws-a',
        channelId,
        contact: { waId: CONTACT, name: 'Ana' },
        source: {
          type: 'message',
          messageId: tap.id,
          message: { kind: 'choice', id: 'agent', title: 'Talk to us' },
          inbound: { type: 'button_reply', id: 'agent', title: 'Talk to us' },
          replyTo: 'wamid.question',
        },
      });
      const log = await svc.call('get', `/messages?contact=${CONTACT}&direction=in`);
      expect(log.body.items.find((m: { waMessageId: string }) => m.waMessageId === tap.id)).toMatchObject({
        direction: 'in',
        type: 'button_reply',
        status: 'received',
        content: { type: 'button_reply', id: 'agent', profileName: 'Ana' },
      });
    });

    it('[F15] statuses arriving out of order never move back; a failure keeps its error; webhook errors reach channel health', async () => {
      const sent = wamid();
      // An outbound message as the sender records it (sending comes with the sandbox).
      await sql(
        `INSERT INTO whatsapp_messaging.messages (workspace_id, channel_id, direction, wa_id, wa_message_id, type, content, occurred_at)
         VALUES ('ws-a', $1, 'out', $2, $3, 'text', '{"type":"text"}', now())`,
        [channelId, CONTACT, sent],
      );
      const t = Math.floor(Date.now() / 1000);
      const deliver = async (...statuses: Array<Record<string, unknown>>) =>
        expect((await post(JSON.stringify(webhookBody(number, { statuses, contacts: [] })))).status).toBe(
          200,
        );
      await deliver(statusUpdate(sent, 'read', CONTACT, t + 2));
      await deliver(statusUpdate(sent, 'delivered', CONTACT, t + 1), statusUpdate(sent, 'sent', CONTACT, t));
      const log = async (status: string) =>
        (await svc.call('get', `/messages?contact=${CONTACT}&direction=out&status=${status}`)).body
          .items as Array<{
          waMessageId: string;
          status: string;
          statusAt: string;
        }>;
      expect((await log('read')).map((m) => [m.waMessageId, m.statusAt])).toEqual([
        [sent, new Date((t + 2) * 1000).toISOString()],
      ]);
      expect(await log('delivered')).toEqual([]);
      // Another channel's app reporting on this channel's message moves nothing.
      const foreign = JSON.stringify(
        webhookBody(other, {
          statuses: [
            statusUpdate(sent, 'failed', CONTACT, t + 3, [{ code: 131026, title: 'Undeliverable' }]),
          ],
          contacts: [],
        }),
      );
      expect((await post(foreign, sign(foreign, otherSecret))).status).toBe(200);
      expect(
        await sql(`SELECT status, channel_id FROM whatsapp_messaging.statuses WHERE wa_message_id = $1`, [
          sent,
        ]),
      ).toEqual([{ status: 'read', channel_id: channelId }]);

      const failing = wamid();
      await deliver(
        statusUpdate(failing, 'failed', CONTACT, t, [{ code: 131047, title: 'Re-engagement message' }]),
        statusUpdate(failing, 'sent', CONTACT, t - 1),
      );
      const [row] = await sql<{ status: string; errors: Array<{ code: number }> }>(
        `SELECT status, errors FROM whatsapp_messaging.statuses WHERE wa_message_id = $1`,
        [failing],
      );
      expect(row).toEqual({ status: 'failed', errors: [{ code: 131047, title: 'Re-engagement message' }] });

      const withError = webhookBody(number, {
        contacts: [],
        errors: [{ code: 131042, title: 'Business eligibility payment issue', message: 'payment issue' }],
      });
      expect((await post(JSON.stringify(withError))).status).toBe(200);
      const health = await svc.call('get', `/channels/${channelId}/health`);
      expect(health.body.lastError).toMatchObject({ code: 131042, source: 'webhook' });
    });

    it('an app secret sealed with a key no longer configured → 503 naming ENCRYPTION_KEYS in the log, nothing enqueued', async () => {
      const [saved] = await sql<{ app_secret: unknown }>(
        `SELECT app_secret FROM whatsapp_messaging.channels WHERE id = $1`,
        [channelId],
      );
      const stale = new SecretBox(`k9:${randomBytes(32).toString('base64')}`).seal(appSecret, 'any');
      await sql(`UPDATE whatsapp_messaging.channels SET app_secret = $2 WHERE id = $1`, [
        channelId,
        JSON.stringify(stale),
      ]);
      // As a process started without the key would: its cache of opened app secrets starts empty.
      svc.app.get(WebhookChannels).invalidate();
      const message = textMessage(CONTACT, 'while the key is missing');
      const raw = JSON.stringify(webhookBody(number, { messages: [message] }));
      try {
        const res = await post(raw);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('UNAVAILABLE');
        expect(await triggersOf([message.id as string])).toEqual([]);
        expect(svc.logs.text).toContain('check ENCRYPTION_KEYS');
        expect(svc.logs.text).not.toContain(appSecret);
      } finally {
        await sql(`UPDATE whatsapp_messaging.channels SET app_secret = $2 WHERE id = $1`, [
          channelId,
          JSON.stringify(saved.app_secret),
        ]);
        svc.app.get(WebhookChannels).invalidate();
      }
      expect((await post(raw)).status).toBe(200);
    });

    it('Postgres refusing connections → 503 and nothing enqueued; the redelivery once it is back → accepted', async () => {
      const message = textMessage(CONTACT, 'during the outage');
      const raw = JSON.stringify(webhookBody(number, { messages: [message] }));
      const server = new URL(testDatabaseServerUrl());
      server.pathname = '/postgres';
      const admin = new pg.Client({ connectionString: server.toString() });
      await admin.connect();
      const name = svc.db.name;
      try {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
          name,
        ]);
        const down = await post(raw);
        expect(down.status).toBe(503);
        expect(down.body.code).toBe('UNAVAILABLE');
        expect(JSON.stringify(down.body)).not.toMatch(/at .*\.js/);
        expect(await triggersOf([message.id as string])).toEqual([]);
        // [issue 17] The signature is checked before any parsing or database work: with Postgres refusing,
        // forged and unsigned bodies still get their 401 (no 503). One for a number the cache does not know
        // gets 503 while the channels cannot be read again (it may be a channel made a moment ago).
        await new Promise((r) => setTimeout(r, 1100)); // past the once-a-second limit on reading them again
        const forged = await post(raw, sign(raw, 'not-the-app-secret'));
        expect(forged.status).toBe(401);
        expect(forged.body.code).toBe('SIGNATURE_INVALID');
        const notJson = Buffer.concat([
          Buffer.from(`{"phone_number_id":"${number.phoneNumberId}"`),
          randomBytes(64),
        ]);
        expect((await post(notJson, sign(notJson, 'not-the-app-secret'))).status).toBe(401);
        expect((await post(raw, null)).status).toBe(401);
        const elsewhere = JSON.stringify(
          webhookBody(
            { phoneNumberId: '100000000077', displayPhoneNumber: '+1 555 0177', wabaId: '200000000077' },
            {
              messages: [textMessage(CONTACT, 'not ours')],
            },
          ),
        );
        expect((await post(elsewhere, sign(elsewhere, 'some-other-app'))).status).toBe(503);
      } finally {
        await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
        await admin.end();
      }
      let back = await post(raw);
      for (let i = 0; i < 50 && back.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = await post(raw);
      }
      expect(back.status).toBe(200);
      expect(await triggersOf([message.id as string])).toHaveLength(1);
    });

    it('[issue 18] an app secret replaced on another replica stops verifying here within a second; the new one verifies', async () => {
      const channels = (await svc.call('get', '/channels')).body.items as Array<{
        id: string;
        phoneNumberId: string;
      }>;
      const otherId = channels.find((c) => c.phoneNumberId === other.phoneNumberId)!.id;
      const body = () => JSON.stringify(webhookBody(other, { messages: [textMessage(CONTACT, 'hello')] }));
      const first = body();
      expect((await post(first, sign(first, otherSecret))).status).toBe(200); // the secret is cached here
      const replica = await startMessaging('messaging', {
        replicaOf: svc,
        env: { GRAPH_API_BASE_URL: sandbox.url },
      });
      const newSecret = `new-secret-${randomBytes(8).toString('hex')}`;
      try {
        expect((await replica.call('patch', `/channels/${otherId}`, { appSecret: newSecret })).status).toBe(
          200,
        );
        await new Promise((r) => setTimeout(r, 1100));
        const stale = body();
        const refused = await post(stale, sign(stale, otherSecret));
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('SIGNATURE_INVALID');
        const fresh = body();
        expect((await post(fresh, sign(fresh, newSecret))).status).toBe(200);
      } finally {
        await replica.call('patch', `/channels/${otherId}`, { appSecret: otherSecret });
        await replica.close();
      }
    });
  });
});
