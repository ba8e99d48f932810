import { randomBytes, randomUUID } from 'node:crypto';
import {
  contactPartition,
  type NavigationEventV1,
  navigationQueue,
  type OutboundMessage,
} from '@flowbridge/contracts';
import { JobAuth, redisOptionsFromUrl, TEST_INTERNAL_KEY } from '@flowbridge/platform';
import { Queue } from 'bullmq';
import { NavigationQueues, testRedisUrl, until } from '@flowbridge/testing';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { SendLane } from '../services/whatsapp-messaging/src/sending/send-lane';
import { SendRateLimiter } from '../services/whatsapp-messaging/src/sending/rate-limiter';
import { SendScheduler } from '../services/whatsapp-messaging/src/sending/send-scheduler';
import { type Sandbox, type SandboxNumber, startSandbox } from '../tools/sandbox/src/sandbox';
import { startMessaging } from './messaging-app';

type Harness = Awaited<ReturnType<typeof startMessaging>>;

const number = (n: number, extra: Partial<SandboxNumber> = {}): SandboxNumber => ({
  phoneNumberId: `10000000000${n}`,
  displayPhoneNumber: `1555010${n}`,
  wabaId: `20000000000${n}`,
  appSecret: `sandbox-secret-${n}-${randomBytes(6).toString('hex')}`,
  ...extra,
});

describe('whatsapp-messaging: navigations to Cloud API messages, against the sandbox (real Postgres and Redis)', () => {
  let sandbox: Sandbox;
  let svc: Harness;
  let queues: NavigationQueues;
  const main = number(1);
  const slow = number(2);
  // Connected with a token the Cloud API accepts; the 190 test then revokes it (a token that expired).
  const guarded = number(3, { accessToken: 'EAAG-an-expired-token' });
  const channels: Record<string, string> = {};
  let contactCounter = 0;
  const newContact = () => String(447700900000 + ++contactCounter * 7);

  beforeAll(async () => {
    sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers: [main, slow, guarded] });
    svc = await startMessaging('sending', {
      env: {
        GRAPH_API_BASE_URL: sandbox.url,
        SEND_RETRY_ATTEMPTS: '4',
        SEND_RETRY_BASE_MS: '200',
        SEND_RETRY_MAX_MS: '400',
        SEND_IN_DOUBT_GRACE_MS: '500',
      },
    });
    sandbox.options.webhookUrl = `${svc.url}/webhooks/whatsapp`;
    queues = new NavigationQueues(testRedisUrl(), svc.shared.queuePrefix, 4);
    for (const [name, n, mps, token] of [
      ['main', main, 1000, 'EAAG-any'],
      ['slow', slow, 50, 'EAAG-any'],
      ['guarded', guarded, 1000, 'EAAG-an-expired-token'],
    ] as const) {
      const res = await svc.call('post', '/channels', {
        phoneNumberId: n.phoneNumberId,
        displayPhoneNumber: n.displayPhoneNumber,
        wabaId: n.wabaId,
        accessToken: token,
        appSecret: n.appSecret,
        verifyToken: `verify-${name}`,
        messagesPerSecond: mps,
      });
      expect(res.status).toBe(201);
      channels[name] = res.body.id as string;
    }
  });

  afterAll(async () => {
    await queues?.close();
    await svc?.close();
    await sandbox?.close();
  });

  function navigation(
    waId: string,
    messages: OutboundMessage[],
    options: { channel?: string; runId?: string; seq?: number } = {},
  ): NavigationEventV1 {
    const runId = options.runId ?? randomUUID();
    const seq = options.seq ?? 1;
    return {
      version: 1,
      navigationId: `${runId}:${seq}`,
      workspaceId: 'ws-a',
      channelId: channels[options.channel ?? 'main'],
      contact: { waId },
      runId,
      flowId: 'flow-1',
      flowVersion: 1,
      screenId: 'first',
      seq,
      messages,
      emittedAt: new Date().toISOString(),
    };
  }

  const text = (t: string): OutboundMessage => ({ type: 'text', text: t });
  const texts = (waId: string) => sandbox.sentTo(waId).map((e) => (e.message.text as { body: string })?.body);
  const attemptsFor = (navigationId: string) =>
    sandbox.attempts.filter((a) => String(a.callbackData).startsWith(`fb:${navigationId}:`));

  async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: svc.db.url });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async function outboundLog(waId: string) {
    const res = await svc.call('get', `/messages?contact=${waId}&direction=out`);
    expect(res.status).toBe(200);
    return (res.body.items as Array<Record<string, unknown>>).reverse();
  }

  async function settled(waId: string, count: number) {
    return until(
      `${count} outbound messages to ${waId} to be settled`,
      async () => {
        const log = await outboundLog(waId);
        return log.length === count && log.every((m) => m.status !== 'queued') && log;
      },
      { timeoutMs: 20_000 },
    );
  }

  it('turns every kind of navigation message into a Cloud API payload the sandbox accepts, and stores the ids', async () => {
    const waId = newContact();
    const long = Array.from({ length: 1400 }, (_, i) => `word${i}`).join(' '); // ~10,000 characters
    await svc.navigate(
      navigation(waId, [
        text(long),
        {
          type: 'buttons',
          header: 'Your order',
          text: 'Is this right?',
          footer: 'Reply below',
          buttons: [
            { id: 'yes', title: 'Yes' },
            { id: 'no', title: 'No' },
          ],
        },
        {
          type: 'list',
          text: 'Pick a store',
          button: 'Stores',
          sections: [
            { title: 'North', rows: [{ id: 'n1', title: 'Leeds', description: 'Open late' }] },
            { title: 'South', rows: [{ id: 's1', title: 'Brighton' }] },
          ],
        },
        { type: 'media', mediaType: 'image', url: 'https://cdn.example.test/a.png', caption: 'Your receipt' },
        {
          type: 'media',
          mediaType: 'document',
          url: 'https://cdn.example.test/i.pdf',
          filename: 'invoice.pdf',
          caption: 'Invoice',
        },
        { type: 'media', mediaType: 'audio', url: 'https://cdn.example.test/v.ogg', caption: 'dropped' },
        { type: 'media', mediaType: 'video', url: 'https://cdn.example.test/v.mp4' },
        {
          type: 'flow',
          text: 'Book a slot',
          flowId: '1234567890',
          cta: 'Book',
          flowToken: 'run-1:3',
          screen: 'SLOTS',
          data: { store: 'Leeds' },
        },
        { type: 'flow', text: 'Tell us more', flowId: '1234567891', cta: 'Open', flowToken: 'run-1:4' },
      ]),
    );
    const log = await settled(waId, 11);
    // Every payload passed the sandbox's Cloud API checks: no refusal, one attempt each.
    expect(sandbox.attempts.filter((a) => a.to === waId).map((a) => a.httpStatus)).toEqual(
      Array(11).fill(200),
    );
    const sent = sandbox.sentTo(waId).map((e) => e.message);
    // The long text is three messages, split at spaces, nothing lost.
    const pieces = sent.slice(0, 3).map((m) => (m.text as { body: string }).body);
    expect(pieces.every((p) => p.length <= 4096)).toBe(true);
    expect(pieces.join(' ')).toBe(long);
    expect(
      sent.slice(3).map((m) => (m.interactive as { type?: string } | undefined)?.type ?? m.type),
    ).toEqual(['button', 'list', 'image', 'document', 'audio', 'video', 'flow', 'flow']);
    expect(sent[6]).toMatchObject({ document: { filename: 'invoice.pdf', caption: 'Invoice' } });
    expect(sent[7]).toEqual(expect.objectContaining({ audio: { link: 'https://cdn.example.test/v.ogg' } }));
    expect(sent[9]).toMatchObject({
      interactive: {
        action: {
          name: 'flow',
          parameters: {
            flow_id: '1234567890',
            flow_cta: 'Book',
            flow_token: 'run-1:3',
            flow_action: 'navigate',
            flow_action_payload: { screen: 'SLOTS', data: { store: 'Leeds' } },
          },
        },
      },
    });
    expect(sent[10]).toMatchObject({
      interactive: { action: { parameters: { flow_action: 'data_exchange' } } },
    });
    // Meta's ids are stored, and the sandbox's status webhooks move them on to read.
    const wamids = sandbox.sentTo(waId).map((e) => e.wamid);
    expect(log.map((m) => m.waMessageId)).toEqual(wamids);
    await until('the statuses to reach read', async () =>
      (await outboundLog(waId)).every((m) => m.status === 'read'),
    );
  });

  it('[issue 17] refuses, logs and counts a navigation job the worker did not sign; nothing is sent', async () => {
    const metric = async () => {
      const text = (await svc.request().get('/metrics')).text;
      return [...text.matchAll(/^flowbridge_jobs_refused_total\{[^}]*\} (\d+)$/gm)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    };
    const before = await metric();
    const forged = [
      { waId: newContact(), sign: null, name: 'navigation.v1' },
      {
        waId: newContact(),
        sign: new JobAuth('a-key-that-is-not-this-deployment-internal-key'),
        name: 'navigation.v1',
      },
      { waId: newContact(), sign: new JobAuth(TEST_INTERNAL_KEY), name: 'something-else' },
    ];
    const queue = new Queue(navigationQueue(0), {
      prefix: svc.shared.queuePrefix,
      connection: redisOptionsFromUrl(testRedisUrl()),
    });
    try {
      for (const [i, f] of forged.entries()) {
        const event = navigation(f.waId, [text('pay here: https://evil.example')]);
        const jobId = `forged-${i}-${randomUUID()}`;
        const data = f.sign ? f.sign.sign(queue.name, f.name, jobId, event) : event;
        await queue.add(f.name, data, { jobId });
      }
      await until('the forged jobs to fail', async () => (await queue.getFailedCount()) >= forged.length, {
        timeoutMs: 10_000,
      });
      // A signed job moved to another partition does not verify either.
      const moved = navigation(newContact(), [text('moved')]);
      const other = new JobAuth(TEST_INTERNAL_KEY).sign(
        navigationQueue(1),
        'navigation.v1',
        'moved-1',
        moved,
      );
      await queue.add('navigation.v1', other, { jobId: 'moved-1' });
      await until('the moved job to fail', async () => (await queue.getFailedCount()) >= forged.length + 1);
      for (const f of [...forged, { waId: moved.contact.waId }]) {
        expect(sandbox.sentTo(f.waId)).toEqual([]);
        expect(await outboundLog(f.waId)).toEqual([]);
      }
      expect(await metric()).toBe(before + forged.length + 1);
      expect(
        svc.logs.lines().filter((l) => l.msg === 'navigation job refused').length,
      ).toBeGreaterThanOrEqual(4);
    } finally {
      await queue.close();
    }
  });

  it('[F16] sends a navigation delivered twice (after its job was removed) once', async () => {
    const waId = newContact();
    const event = navigation(waId, [text('Only once')]);
    await svc.navigate(event, 'first-delivery');
    await settled(waId, 1);
    await svc.navigate(event, 'redelivery-after-removal');
    await until('the second job to finish', async () => {
      const rows = await sql<{ n: string }>(
        `SELECT count(*) AS n FROM whatsapp_messaging.messages WHERE wa_id = $1`,
        [waId],
      );
      return rows[0].n === '1' && (await jobDone('redelivery-after-removal', event));
    });
    expect(texts(waId)).toEqual(['Only once']);
    expect(attemptsFor(event.navigationId)).toHaveLength(1);
    // [issue 20] One info line per processed job: the first queued its sends, the redelivery found them queued.
    const done = svc.logs
      .lines()
      .filter((l) => l.msg === 'navigation job done' && l.navigationId === event.navigationId);
    expect(done.map((l) => [l.jobId, l.runId, l.workspaceId, l.outcome, typeof l.durationMs])).toEqual([
      ['first-delivery', event.runId, 'ws-a', 'queued', 'number'],
      ['redelivery-after-removal', event.runId, 'ws-a', 'already_queued', 'number'],
    ]);
  });

  async function jobDone(jobId: string, event: NavigationEventV1): Promise<boolean> {
    const p = contactPartition(
      { workspaceId: 'ws-a', channelId: event.channelId, waId: event.contact.waId },
      4,
    );
    return (await queues.queues[p].getJobState(jobId)) === 'completed';
  }

  it('sends 200 navigations of one contact in the order they were emitted', async () => {
    const waId = newContact();
    const runId = randomUUID();
    for (let seq = 1; seq <= 200; seq++)
      await svc.navigate(navigation(waId, [text(`step ${seq}`)], { runId, seq }));
    await until('200 messages at the sandbox', async () => sandbox.sentTo(waId).length === 200, {
      timeoutMs: 30_000,
    });
    expect(texts(waId)).toEqual(Array.from({ length: 200 }, (_, i) => `step ${i + 1}`));
  }, 40_000);

  it('[F16] retries 130429, 5xx and a dropped connection with backoff, keeping the contact’s order', async () => {
    const waId = newContact();
    sandbox.failNext(1, 130429);
    sandbox.failNext(1, 131000);
    sandbox.failNext(1, 0); // the connection drops
    const first = navigation(waId, [text('first')]);
    await svc.navigate(first);
    await until('the first send to be refused', async () => attemptsFor(first.navigationId).length >= 1);
    const second = navigation(waId, [text('second')]);
    await svc.navigate(second);
    await settled(waId, 2);
    expect(texts(waId)).toEqual(['first', 'second']);
    const tries = attemptsFor(first.navigationId);
    expect(tries.map((a) => a.httpStatus)).toEqual([400, 500, 0, 200]);
    // Backoff: SEND_RETRY_BASE_MS 200 doubling, capped at 400, jittered over the upper half.
    for (let i = 1; i < tries.length; i++) expect(tries[i].at - tries[i - 1].at).toBeGreaterThanOrEqual(100);
    expect(attemptsFor(second.navigationId)).toHaveLength(1);
    const [row] = await sql<{ attempts: number; send_state: string }>(
      `SELECT attempts, send_state FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
      [first.navigationId],
    );
    expect(row).toEqual({ attempts: 4, send_state: 'sent' });
  });

  it.each([
    [131047, 'outside the 24-hour window'],
    [131026, 'undeliverable'],
    [131009, 'another 4xx'],
  ])('records %s (%s) as failed without retrying, and goes on with the next message', async (code) => {
    const waId = newContact();
    sandbox.failNext(1, code);
    const refused = navigation(waId, [text('refused')]);
    await svc.navigate(refused);
    await svc.navigate(navigation(waId, [text('after it')]));
    const log = await settled(waId, 2);
    expect(log.map((m) => m.status)).toEqual([
      'failed',
      expect.stringMatching(/accepted|sent|delivered|read/),
    ]);
    expect(log[0].errors).toEqual([expect.objectContaining({ code, httpStatus: 400 })]);
    expect(attemptsFor(refused.navigationId)).toHaveLength(1);
    expect(texts(waId)).toEqual(['after it']);
    expect((await svc.call('get', `/messages?contact=${waId}&status=failed`)).body.items).toHaveLength(1);
  });

  it('[F16] gives up after SEND_RETRY_ATTEMPTS retryable failures and records the last error', async () => {
    const waId = newContact();
    sandbox.failNext(4, 130429);
    const event = navigation(waId, [text('never')]);
    await svc.navigate(event);
    const [row] = await settled(waId, 1);
    expect(row.status).toBe('failed');
    expect(row.errors).toEqual([expect.objectContaining({ code: 130429 })]);
    expect(attemptsFor(event.navigationId)).toHaveLength(4);
  });

  it('marks the channel unhealthy on 190 (token) and healthy again once a new token works', async () => {
    const tokenErrors = async () =>
      Number(
        /flowbridge_cloud_api_errors_total\{code="190"[^}]*\} (\d+)/.exec(
          (await svc.request().get('/metrics')).text,
        )?.[1] ?? 0,
      );
    const before = await tokenErrors();
    const waId = newContact();
    sandbox.numbers.get(guarded.phoneNumberId)!.accessToken = 'EAAG-the-right-token';
    await svc.navigate(navigation(waId, [text('with the old token')], { channel: 'guarded' }));
    const [row] = await settled(waId, 1);
    expect(row.status).toBe('failed');
    expect(sandbox.attempts.filter((a) => a.to === waId).map((a) => a.httpStatus)).toEqual([401]);
    const health = await svc.call('get', `/channels/${channels.guarded}/health`);
    expect(health.body).toMatchObject({
      healthy: false,
      tokenValid: false,
      lastError: { code: 190, source: 'send' },
    });
    expect(JSON.stringify(health.body)).not.toContain('EAAG-');
    // What the TokenInvalid alert (deploy/prometheus) watches.
    expect(await tokenErrors()).toBe(before + 1);

    expect(
      (await svc.call('patch', `/channels/${channels.guarded}`, { accessToken: 'EAAG-the-right-token' }))
        .status,
    ).toBe(200);
    await svc.navigate(navigation(waId, [text('with the new token')], { channel: 'guarded' }));
    await settled(waId, 2);
    expect(texts(waId)).toEqual(['with the new token']);
    expect((await svc.call('get', `/channels/${channels.guarded}/health`)).body).toMatchObject({
      tokenValid: true,
    });
  });

  it('settles a send cut off by a crash by its status webhook, and sends it again only when none came', async () => {
    const lane = svc.app.get(SendLane);
    const waId = newContact();
    const event = navigation(waId, [text('in doubt')]);
    await svc.navigate(event);
    await until('the status webhook', async () => (await outboundLog(waId)).some((m) => m.status === 'read'));
    const [sent] = await sql<{ wa_message_id: string }>(
      `SELECT wa_message_id FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
      [event.navigationId],
    );
    // What a crash between Meta's answer and its recording leaves behind, and what a Postgres crash that lost
    // the "sent" mark (committed without waiting for the disk) leaves behind.
    await sql(
      `UPDATE whatsapp_messaging.messages SET send_state = 'sending', wa_message_id = NULL, sending_since = now()
        WHERE navigation_id = $1`,
      [event.navigationId],
    );
    await lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId });
    const [recovered] = await sql<{ wa_message_id: string; send_state: string }>(
      `SELECT wa_message_id, send_state FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
      [event.navigationId],
    );
    expect(recovered).toEqual({ wa_message_id: sent.wa_message_id, send_state: 'sent' });
    expect(attemptsFor(event.navigationId)).toHaveLength(1);

    // No status came for it: it waits out SEND_IN_DOUBT_GRACE_MS, then goes again. A status echoing its callback
    // data from another channel (another app's webhook) does not settle it.
    await sql(`DELETE FROM whatsapp_messaging.statuses WHERE wa_message_id = $1`, [sent.wa_message_id]);
    await sql(
      `INSERT INTO whatsapp_messaging.statuses (wa_message_id, channel_id, status, rank, status_at, callback_data)
       VALUES ($1, $2, 'read', 3, now(), $3)`,
      [`wamid.elsewhere-${event.navigationId}`, channels.guarded, `fb:${event.navigationId}:0`],
    );
    await sql(
      `UPDATE whatsapp_messaging.messages SET send_state = 'sending', wa_message_id = NULL, sending_since = now()
        WHERE navigation_id = $1`,
      [event.navigationId],
    );
    expect(await lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId })).toEqual({
      blockedUntil: expect.any(Date),
    });
    expect(attemptsFor(event.navigationId)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(await lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId })).toEqual({});
    expect(attemptsFor(event.navigationId)).toHaveLength(2);
  });

  it('[issue 18][F16] a send Meta took whose answer was lost (reset after the request) is in doubt, settled by its status webhook: the contact gets it once', async () => {
    const waId = newContact();
    sandbox.acceptThenDrop(1);
    // Its status comes 300 ms later: after a retry's backoff (100-200 ms here) would have sent it again, within
    // the in-doubt grace (500 ms here).
    sandbox.options.statusBatchMs = 300;
    const event = navigation(waId, [text('answer lost')]);
    const after = navigation(waId, [text('behind it')], { seq: 2, runId: event.runId });
    try {
      await svc.navigate(event);
      await svc.navigate(after);
      await settled(waId, 2);
      // The grace and then some: a resend would have happened by now.
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      sandbox.options.statusBatchMs = undefined;
    }
    expect(texts(waId)).toEqual(['answer lost', 'behind it']);
    const tries = attemptsFor(event.navigationId);
    expect(tries).toEqual([expect.objectContaining({ httpStatus: 0, accepted: true })]);
    const accepted = sandbox.sentTo(waId)[0].wamid;
    const [row] = await sql<{ send_state: string; wa_message_id: string; attempts: number }>(
      `SELECT send_state, wa_message_id, attempts FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
      [event.navigationId],
    );
    expect(row).toEqual({ send_state: 'sent', wa_message_id: accepted, attempts: 1 });
  });

  it('[issue 18] a send holds no database connection across the Graph POST', async () => {
    const lane = svc.app.get(SendLane);
    const pool = (svc.app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
    const contacts = Array.from({ length: 12 }, () => newContact());
    for (const waId of contacts) await lane.enqueue(navigation(waId, [text('slow answer')]));
    sandbox.options.latencyMs = 1500;
    try {
      const drains = contacts.map((waId) =>
        lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId }),
      );
      await until('12 sends in flight', async () => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM whatsapp_messaging.messages WHERE wa_id = ANY($1) AND send_state = 'sending'`,
          [contacts],
        );
        return row.n === 12;
      });
      // 12 POSTs waiting on the Cloud API, and the pool's connections all back in it.
      expect(sandbox.attempts.filter((a) => contacts.includes(String(a.to)))).toHaveLength(0);
      expect(pool.totalCount - pool.idleCount).toBeLessThanOrEqual(1);
      expect(await Promise.all(drains)).toEqual(contacts.map(() => ({})));
    } finally {
      sandbox.options.latencyMs = 0;
    }
    for (const waId of contacts) expect(texts(waId)).toEqual(['slow answer']);
  });

  it('[issue 18] drains of one contact racing each other (a sweep, a job taken over) send each message once, in order', async () => {
    const lane = svc.app.get(SendLane);
    const waId = newContact();
    const events = Array.from({ length: 20 }, (_, i) =>
      navigation(waId, [text(`r${i + 1}`)], { seq: i + 1 }),
    );
    for (const event of events) await lane.enqueue(event);
    sandbox.options.latencyMs = 20;
    let results: Array<{ blockedUntil?: Date }>;
    try {
      const recipient = { workspaceId: 'ws-a', channelId: channels.main, waId };
      results = await Promise.all(Array.from({ length: 4 }, () => lane.drain(recipient)));
    } finally {
      sandbox.options.latencyMs = 0;
    }
    // One drain sent them all; the others found the head claimed and stood back.
    expect(results.filter((r) => r.blockedUntil === undefined).length).toBeGreaterThanOrEqual(1);
    expect(texts(waId)).toEqual(events.map((_, i) => `r${i + 1}`));
    for (const event of events) expect(attemptsFor(event.navigationId)).toHaveLength(1);
  });

  /** The statements this messaging service has made (flowbridge_db_statements_total{kind="statement"}). */
  const statements = async () =>
    Number(
      /^flowbridge_db_statements_total\{kind="statement"[^}]*\} (\d+)$/m.exec(
        (await svc.request().get('/metrics')).text,
      )?.[1] ?? 0,
    );

  it('[issue 18] a message to a contact with nothing else queued takes two statements: queued and claimed, then marked sent', async () => {
    const lane = svc.app.get(SendLane);
    const recipient = { workspaceId: 'ws-a', channelId: channels.main, waId: newContact() };
    const first = navigation(recipient.waId, [text('first')]);
    const second = navigation(recipient.waId, [text('second')], { runId: first.runId, seq: 2 });
    const statuses = sandbox.statuses;
    sandbox.statuses = []; // no status webhooks: their statements would count here
    try {
      // The channel read once, as the service keeps it.
      await lane.drain(recipient, (await lane.queueAndClaim(navigation(newContact(), [text('warm')]))).head);
      const queued = await lane.queueAndClaim(first);
      expect(queued).toEqual({
        fresh: true,
        head: expect.objectContaining({ navigation_id: first.navigationId, part: 0, claimed: true }),
      });
      expect(await lane.drain(recipient, queued.head)).toEqual({});
      // Counted over three more contacts: the least is the lane's own (a periodic sweep may land in one).
      const spent: number[] = [];
      for (let i = 0; i < 3; i++) {
        const waId = newContact();
        const before = await statements();
        const { head } = await lane.queueAndClaim(navigation(waId, [text('counted')]));
        expect(await lane.drain({ ...recipient, waId }, head)).toEqual({});
        spent.push((await statements()) - before);
        expect(texts(waId)).toEqual(['counted']);
      }
      expect(Math.min(...spent)).toBe(2);
      // Behind a row still queued, a navigation claims nothing: the drain reads the queue and sends in order.
      await lane.enqueue(second);
      const third = navigation(recipient.waId, [text('third')], { runId: first.runId, seq: 3 });
      expect(await lane.queueAndClaim(third)).toEqual({ fresh: true, head: undefined });
      expect(await lane.drain(recipient)).toEqual({});
      // Redelivered, a navigation queues and claims nothing.
      expect(await lane.queueAndClaim(first)).toEqual({ fresh: false, head: undefined });
    } finally {
      sandbox.statuses = statuses;
    }
    expect(texts(recipient.waId)).toEqual(['first', 'second', 'third']);
    expect(attemptsFor(first.navigationId)).toHaveLength(1);
  });

  it('[issue 18] a head claimed as it was queued but not sent here (shutting down) goes back to the queue, not into doubt', async () => {
    const replica = await startMessaging('sending', {
      replicaOf: svc,
      env: { GRAPH_API_BASE_URL: sandbox.url, SEND_CONCURRENCY: '1' },
    });
    const rowOf = async (navigationId: string) =>
      (
        await sql<{ send_state: string; attempts: number; sending_since: Date | null }>(
          `SELECT send_state, attempts, sending_since FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
          [navigationId],
        )
      )[0];
    try {
      const [lane, scheduler] = [replica.app.get(SendLane), replica.app.get(SendScheduler)];
      // The lane stopping between its look and the send.
      const waId = newContact();
      const event = navigation(waId, [text('handed back')]);
      const { head } = await lane.queueAndClaim(event);
      expect(await rowOf(event.navigationId)).toEqual(expect.objectContaining({ send_state: 'sending' }));
      lane.stopping = true;
      expect(await lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId }, head)).toEqual({
        blockedUntil: expect.any(Date),
      });
      expect(await rowOf(event.navigationId)).toEqual({
        send_state: 'queued',
        attempts: 0,
        sending_since: null,
      });
      // The scheduler stopped when its navigation job hands it the head.
      const late = newContact();
      const lateEvent = navigation(late, [text('handed back too')]);
      const claimed = await lane.queueAndClaim(lateEvent);
      // Stopping with one contact's drain running and another's waiting for the one slot: the running one
      // sends, the waiting one's head is back in the queue by the time stop() returns.
      const [sending, waiting] = [newContact(), newContact()];
      const [sendingEvent, waitingEvent] = [
        navigation(sending, [text('sent before the stop')]),
        navigation(waiting, [text('waited for a slot')]),
      ];
      const [sendingHead, waitingHead] = [
        await lane.queueAndClaim(sendingEvent),
        await lane.queueAndClaim(waitingEvent),
      ];
      lane.stopping = false;
      scheduler.kick({ workspaceId: 'ws-a', channelId: channels.main, waId: sending }, sendingHead.head);
      scheduler.kick({ workspaceId: 'ws-a', channelId: channels.main, waId: waiting }, waitingHead.head);
      await scheduler.stop();
      expect({
        sending: (await rowOf(sendingEvent.navigationId)).send_state,
        waiting: await rowOf(waitingEvent.navigationId),
      }).toEqual({
        sending: 'sent',
        waiting: { send_state: 'queued', attempts: 0, sending_since: null },
      });
      expect(texts(sending)).toEqual(['sent before the stop']);
      expect(texts(waiting)).toEqual([]);
      scheduler.kick({ workspaceId: 'ws-a', channelId: channels.main, waId: late }, claimed.head);
      await until(
        'the head to be back in the queue',
        async () => (await rowOf(lateEvent.navigationId)).send_state === 'queued',
      );
      expect(await rowOf(lateEvent.navigationId)).toEqual({
        send_state: 'queued',
        attempts: 0,
        sending_since: null,
      });
      // Whoever drains next sends both at once: no SEND_IN_DOUBT_GRACE_MS wait.
      const staying = svc.app.get(SendLane);
      for (const contact of [waId, late])
        expect(await staying.drain({ workspaceId: 'ws-a', channelId: channels.main, waId: contact })).toEqual(
          {},
        );
      expect(texts(waId)).toEqual(['handed back']);
      expect(texts(late)).toEqual(['handed back too']);
      expect(sandbox.attempts.filter((a) => a.to === waId || a.to === late)).toHaveLength(2);
    } finally {
      await replica.close();
    }
  });

  it('[issue 18] 30 contacts sent to at once share their statements: queue, claim and mark sent are not one each per message', async () => {
    const lane = svc.app.get(SendLane);
    const contacts = Array.from({ length: 30 }, () => newContact());
    const events = contacts.map((waId) => navigation(waId, [text(`shared ${waId}`)]));
    const statuses = sandbox.statuses;
    sandbox.statuses = []; // no status webhooks: their statements would count here
    sandbox.options.latencyMs = 5;
    let spent: number;
    try {
      const before = await statements();
      const results = await Promise.all(
        events.map(async (event) => {
          const queued = await lane.enqueue(event);
          return {
            queued,
            drained: await lane.drain({
              workspaceId: 'ws-a',
              channelId: channels.main,
              waId: event.contact.waId,
            }),
          };
        }),
      );
      spent = (await statements()) - before;
      expect(results).toEqual(events.map(() => ({ queued: true, drained: {} })));
    } finally {
      sandbox.statuses = statuses;
      sandbox.options.latencyMs = 0;
    }
    for (const waId of contacts) expect(texts(waId)).toEqual([`shared ${waId}`]);
    for (const event of events) expect(attemptsFor(event.navigationId)).toHaveLength(1);
    // One statement each would be 90 (and a channel read per drain 120); shared, about 35 here.
    expect(spent).toBeLessThan(60);
    // Redelivered, each navigation queues nothing and sends nothing again.
    expect(await Promise.all(events.map((e) => lane.enqueue(e)))).toEqual(events.map(() => false));
  });

  it('[issue 18] a token replaced on another replica is what this one sends with, within a second (its cached channel is dropped)', async () => {
    const rotating = number(4, { accessToken: 'EAAG-first' });
    sandbox.numbers.set(rotating.phoneNumberId, rotating);
    const created = await svc.call('post', '/channels', {
      phoneNumberId: rotating.phoneNumberId,
      displayPhoneNumber: rotating.displayPhoneNumber,
      wabaId: rotating.wabaId,
      accessToken: 'EAAG-first',
      appSecret: rotating.appSecret,
      verifyToken: 'verify-rotating',
    });
    expect(created.status).toBe(201);
    const channelId = created.body.id as string;
    const lane = svc.app.get(SendLane);
    const sendTo = async (waId: string, body: string) => {
      const event = navigation(waId, [text(body)]);
      event.channelId = channelId;
      await lane.enqueue(event);
      return lane.drain({ workspaceId: 'ws-a', channelId, waId });
    };
    const waId = newContact();
    expect(await sendTo(waId, 'with the first token')).toEqual({});
    const replica = await startMessaging('sending', {
      replicaOf: svc,
      env: { GRAPH_API_BASE_URL: sandbox.url },
    });
    try {
      // Meta now takes only the new token, and the admin gives it through the other replica.
      rotating.accessToken = 'EAAG-second';
      const updated = await replica.call('patch', `/channels/${channelId}`, { accessToken: 'EAAG-second' });
      expect(updated.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await sendTo(waId, 'with the second token')).toEqual({});
      // Deleted on the other replica: this one no longer sends for it.
      expect((await replica.call('delete', `/channels/${channelId}`)).status).toBe(204);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await sendTo(waId, 'after the delete')).toEqual({});
    } finally {
      await replica.close();
    }
    expect(texts(waId)).toEqual(['with the first token', 'with the second token']);
    const [last] = await sql<{ send_state: string; error: { title: string } }>(
      `SELECT send_state, error FROM whatsapp_messaging.messages WHERE wa_id = $1 AND direction = 'out' ORDER BY id DESC LIMIT 1`,
      [waId],
    );
    expect(last).toMatchObject({ send_state: 'failed', error: { title: 'CHANNEL_NOT_FOUND' } });
  });

  it('[issue 18] sends are not bounded by the navigation partitions: 4 partitions, a slow Cloud API, 24 contacts sent to at once', async () => {
    const contacts = Array.from({ length: 24 }, () => newContact());
    const events = contacts.map((waId) => navigation(waId, [text(`not queued behind a partition`)]));
    sandbox.options.latencyMs = 400;
    sandbox.peakSendsInFlight = 0;
    try {
      await Promise.all(events.map((event) => svc.navigate(event)));
      await until('24 sends', async () => contacts.every((waId) => texts(waId).length === 1), {
        timeoutMs: 20_000,
      });
    } finally {
      sandbox.options.latencyMs = 0;
    }
    // A navigation job holding its partition through the POST would allow 4 at once (the harness has 4).
    expect(sandbox.peakSendsInFlight).toBeGreaterThan(4);
    for (const event of events) expect(attemptsFor(event.navigationId)).toHaveLength(1);
  });

  it('[F4] a send the rate limiter refused (its Redis down) never left: it is queued again, not left in doubt', async () => {
    const lane = svc.app.get(SendLane);
    const limiter = svc.app.get(SendRateLimiter);
    const waId = newContact();
    const event = navigation(waId, [text('after the outage')]);
    expect(await lane.enqueue(event)).toBe(true);
    const acquire = jest
      .spyOn(limiter, 'acquire')
      .mockRejectedValueOnce(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    try {
      await expect(lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId })).rejects.toThrow(
        /enableOfflineQueue/,
      );
    } finally {
      acquire.mockRestore();
    }
    expect(
      await sql(
        `SELECT send_state, attempts, sending_since FROM whatsapp_messaging.messages WHERE navigation_id = $1`,
        [event.navigationId],
      ),
    ).toEqual([{ send_state: 'queued', attempts: 0, sending_since: null }]);
    expect(attemptsFor(event.navigationId)).toHaveLength(0);
    // The job's retry, once Redis is back, sends it at once (no SEND_IN_DOUBT_GRACE_MS wait).
    expect(await lane.drain({ workspaceId: 'ws-a', channelId: channels.main, waId })).toEqual({});
    expect(attemptsFor(event.navigationId)).toHaveLength(1);
    expect(texts(waId)).toEqual(['after the outage']);
  });

  it("the sandbox's contact (REST API) says, taps and picks through signed webhooks that become trigger events", async () => {
    const waId = newContact();
    const rest = (path: string, body: unknown) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const said = await rest(`/sandbox/contacts/${waId}/say`, { text: 'order status please', name: 'Ada' });
    expect(said.status).toBe(200);
    await svc.navigate(
      navigation(waId, [
        { type: 'buttons', text: 'Which?', buttons: [{ id: 'yes', title: 'Yes' }] },
        {
          type: 'list',
          text: 'Where?',
          button: 'Stores',
          sections: [{ rows: [{ id: 'leeds', title: 'Leeds' }] }],
        },
      ]),
    );
    await settled(waId, 2);
    const [buttons, list] = sandbox.sentTo(waId);
    expect((await rest(`/sandbox/contacts/${waId}/tap`, { button: 'Yes' })).status).toBe(200);
    expect((await rest(`/sandbox/contacts/${waId}/pick`, { row: 'leeds' })).status).toBe(200);
    const missing = await rest(`/sandbox/contacts/${waId}/tap`, { button: 'Nope' });
    expect(missing.status).toBe(404);

    const mine = await until('three trigger events', async () => {
      const events = (await svc.triggers()).filter((t) => t.contact.waId === waId);
      return events.length === 3 && events;
    });
    expect(mine.map((t) => t.source.type === 'message' && t.source.message)).toEqual([
      { kind: 'text', text: 'order status please' },
      { kind: 'choice', id: 'yes', title: 'Yes' },
      { kind: 'choice', id: 'leeds', title: 'Leeds' },
    ]);
    expect(mine[0].contact.name).toBe('Ada');
    // A tap or pick replies to the message that offered it (WhatsApp's context.id).
    expect(mine.slice(1).map((t) => t.source.type === 'message' && t.source.replyTo)).toEqual([
      buttons.wamid,
      list.wamid,
    ]);
    const conversation = (await (
      await fetch(`${sandbox.url}/sandbox/contacts/${waId}/conversation`)
    ).json()) as {
      items: Array<{ direction: string }>;
    };
    expect(conversation.items.map((e) => e.direction)).toEqual(['in', 'out', 'out', 'in', 'in']);

    // Failure injection through the REST API too.
    expect((await rest('/sandbox/fail-next', { count: 1, code: 131026 })).status).toBe(204);
    await svc.navigate(navigation(waId, [text('undeliverable')]));
    const log = await settled(waId, 3);
    expect(log[2]).toMatchObject({ status: 'failed', errors: [expect.objectContaining({ code: 131026 })] });
  });

  it('refuses a malformed navigation event without sending anything', async () => {
    const waId = newContact();
    const event = navigation(waId, [text('x')]);
    await svc.navigate(
      { ...event, messages: [{ type: 'carousel' } as unknown as OutboundMessage] },
      'malformed',
    );
    await until('the refusal to be logged', async () =>
      svc.logs
        .lines()
        .find((l) => l.msg === 'navigation event refused' && String(l.reason).includes('messages')),
    );
    expect(sandbox.sentTo(waId)).toHaveLength(0);
  });

  it('[L6] keeps a channel at 50 messages/s across two replicas: 500 sends take at least 10 s', async () => {
    const replica = await startMessaging('sending', {
      replicaOf: svc,
      env: { GRAPH_API_BASE_URL: sandbox.url },
    });
    try {
      // 25 contacts × 20 messages, queued, then sent by both replicas at once: each drains every other
      // contact, 8 at a time, with its own limiter instance and Redis connection.
      const contacts = Array.from({ length: 25 }, () => newContact());
      const lanes = [svc.app.get(SendLane), replica.app.get(SendLane)];
      for (let i = 0; i < 20; i++)
        for (const waId of contacts)
          await lanes[0].enqueue(navigation(waId, [text(`m${i}`)], { channel: 'slow', seq: i + 1 }));
      const started = Date.now();
      await Promise.all(
        lanes.map(async (lane, r) => {
          const mine = contacts.filter((_, i) => i % 2 === r);
          const drainNext = async (): Promise<void> => {
            const waId = mine.shift();
            if (!waId) return;
            expect(await lane.drain({ workspaceId: 'ws-a', channelId: channels.slow, waId })).toEqual({});
            return drainNext();
          };
          await Promise.all(Array.from({ length: 8 }, drainNext));
        }),
      );
      const elapsed = Date.now() - started;
      const ours = new Set(contacts);
      const times = sandbox.attempts
        .filter((a) => a.phoneNumberId === slow.phoneNumberId && ours.has(String(a.to)))
        .map((a) => a.at);
      expect(times).toHaveLength(500);
      // The first send goes at once; each of the other 499 waits for its 20 ms slot.
      expect(elapsed).toBeGreaterThanOrEqual(499 * 20);
      // No second holds much more than 50: arrivals jitter around their slots (on a loaded machine a delayed
      // group and the sends after it land close together: 59 was seen once); a limit kept per replica would
      // let ~100 through in a second, and none at all the 500 within a second or two.
      let most = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 1000) j++;
        most = Math.max(most, i - j + 1);
      }
      expect(most).toBeLessThanOrEqual(65);
      process.stdout.write(
        `500 sends at 50/s from two replicas: ${elapsed} ms, at most ${most} in any second\n`,
      );
    } finally {
      await replica.close();
    }
  }, 60_000);

  it('a replica shutting down stops between two sends; another finishes the contact, in order, nothing twice', async () => {
    const replica = await startMessaging('sending', {
      replicaOf: svc,
      env: { GRAPH_API_BASE_URL: sandbox.url },
    });
    try {
      const waId = newContact();
      const recipient = { workspaceId: 'ws-a', channelId: channels.slow, waId };
      const [leaving, staying] = [replica.app.get(SendLane), svc.app.get(SendLane)];
      const runId = randomUUID();
      for (let seq = 1; seq <= 60; seq++)
        await staying.enqueue(navigation(waId, [text(`n${seq}`)], { channel: 'slow', runId, seq }));
      const draining = leaving.drain(recipient);
      await until('some sends', async () => sandbox.sentTo(waId).length >= 10);
      leaving.stopping = true; // what its shutdown hook sets
      expect(await draining).toEqual({ blockedUntil: expect.any(Date) });
      const handedBack = sandbox.sentTo(waId).length;
      expect(handedBack).toBeLessThan(60);
      expect(await staying.drain(recipient)).toEqual({});
      expect(texts(waId)).toEqual(Array.from({ length: 60 }, (_, i) => `n${i + 1}`));
      expect(sandbox.attempts.filter((a) => a.to === waId)).toHaveLength(60);
    } finally {
      await replica.close();
    }
  });

  it('with two replicas consuming the partitions, sends each navigation once', async () => {
    const replica = await startMessaging('sending', {
      replicaOf: svc,
      env: { GRAPH_API_BASE_URL: sandbox.url },
    });
    try {
      const contacts = Array.from({ length: 40 }, () => newContact());
      await Promise.all(contacts.map((waId) => svc.navigate(navigation(waId, [text('hello')]))));
      await until('40 sends', async () => contacts.every((waId) => sandbox.sentTo(waId).length === 1));
      await new Promise((r) => setTimeout(r, 300));
      expect(contacts.map((waId) => texts(waId))).toEqual(contacts.map(() => ['hello']));
    } finally {
      await replica.close();
    }
  });
});
