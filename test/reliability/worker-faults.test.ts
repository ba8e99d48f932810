import { must } from '@flowbridge/api-client';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { jobIdOf, QueueName } from '@flowbridge/contracts';
import { sendJson, until } from '@flowbridge/testing';
import { count, observe, seconds } from './harness/observe';
import { PATIENT, System } from './harness/system';

// RELIABILITY.md A: worker processes killed and stopped mid-step, competing, and the outbox left half-sent.
// Lock 2 s (WORKER_LOCK_DURATION_MS), so a dead worker's job is taken over within seconds.
describe('reliability: worker faults (services as processes, own Redis and Postgres)', () => {
  let sys: System;

  beforeAll(async () => {
    // Redis asks for a password here (issue 17): every service, queue and RPC must send it.
    sys = await System.start({ workers: 1, redisPassword: `rel-${randomUUID()}` });
    // A 20 s API timeout: the scenarios kill a worker while its call hangs, after starting the one that takes
    // over. With the usual 3 s, a slow start on a loaded machine let the call time out first (its retry then
    // made the second call, and F1/F3 saw no stall).
    await sys.seed(undefined, 20_000);
  }, 120_000);

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  beforeEach(() => {
    sys.business.reset();
    sys.business.handle((_req, res) => sendJson(res, 200, { status: 'shipped' }));
  });

  /** Keeps exactly one worker running, and returns it. */
  async function oneWorker() {
    while (sys.workers.length > 1) await sys.stopProcess(sys.workers[0], 'SIGTERM');
    return sys.workers[0] ?? (await sys.startWorker());
  }

  async function apiJob(idempotencyKey: string) {
    const queue = sys.queue(QueueName.FlowApiCalls);
    try {
      const job = await queue.getJob(jobIdOf('api', idempotencyKey, 1));
      if (!job) throw new Error(`no job for ${idempotencyKey}`);
      return { job, state: await job.getState() };
    } finally {
      await queue.close();
    }
  }

  /** The step's job once a worker has put it in the delayed set to wait for an answer (AbandonedSteps). */
  function waitingForAnswer(idempotencyKey: string) {
    return until(
      'the job waiting for an answer in the delayed set',
      async () => {
        const { job, state } = await apiJob(idempotencyKey);
        const waits = (job.progress as { abandonAfter?: number } | null)?.abandonAfter !== undefined;
        return state === 'delayed' && waits ? job : null;
      },
      PATIENT,
    );
  }

  it('[F1] SIGKILL of the worker during the API call: another worker re-runs it once (its lease ran out), same Idempotency-Key, one success', async () => {
    const first = await oneWorker();
    const waId = sys.newContact();
    // The first request never gets an answer; the worker dies waiting for it.
    sys.business.handle((_req, res, n) => {
      if (n > 1) sendJson(res, 200, { status: 'shipped' });
    });
    expect((await sys.deliver(sys.webhookOf([waId]))).status).toBe(200);
    await until('the call in flight', async () => sys.callsFor(waId) === 1, PATIENT);
    const second = await sys.startWorker();
    const killedAt = Date.now();
    await sys.stopProcess(first, 'SIGKILL');
    await until('the call made again', async () => sys.callsFor(waId) === 2, PATIENT);
    const takeover = Date.now() - killedAt;
    await sys.everyoneAnswered([waId]);
    await new Promise((r) => setTimeout(r, 500));
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    const keys = sys.business.requests.map((r) => r.headers['idempotency-key'] as string);
    expect(new Set(keys).size).toBe(1);
    // The first attempt ran in the worker that decided it; its lease ran out with it, and the outbox sweep made
    // it a job, which the other worker ran: one death counted.
    const { job, state } = await apiJob(keys[0]);
    expect(job.data).toMatchObject({ interrupted: 1 });
    expect(job.stalledCounter).toBe(0);
    expect(state).toBe('completed');
    expect(sys.workers).toEqual([second]);
    observe(
      'F1',
      `Worker killed (SIGKILL) with the API call in flight (run in-process): the other worker made the call again ${seconds(takeover)} later (the attempt's lease, 2 s, ran out and the outbox sweep queued it), job completed; the business API saw 2 calls with one Idempotency-Key; 1 success message sent`,
      { takeoverMs: takeover, calls: 2, interrupted: 1 },
    );
  }, 90_000);

  it('[F2] SIGTERM during a step that emits the next navigation: it finishes, the navigation is queued and sent, exit 0, no stall', async () => {
    const worker = await oneWorker();
    const waId = sys.newContact();
    sys.business.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'shipped' }), 1500);
    });
    expect((await sys.deliver(sys.webhookOf([waId]))).status).toBe(200);
    await until('the call in flight', async () => sys.callsFor(waId) === 1, PATIENT);
    const stop = sys.stopProcess(worker, 'SIGTERM');
    const { code, ms } = await stop;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(25_000);
    // Sent with no worker running: the navigation was queued before the process exited.
    await sys.everyoneAnswered([waId]);
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    const key = sys.business.requests[0].headers['idempotency-key'] as string;
    // Run in-process and finished before the exit: never a job, so nothing for another worker to take over.
    await expect(apiJob(key)).rejects.toThrow(/no job/);
    expect(worker.output.join('')).not.toMatch(/Connection is closed/);
    expect(sys.callsFor(waId)).toBe(1);
    await sys.startWorker();
    observe(
      'F2',
      `SIGTERM with a 1.5 s API call in flight (run in-process): the call finished, its navigation was queued and sent with no worker left running; exit 0 after ${seconds(ms)} (budget 25 s); no job left to take over; no "Connection is closed"; 1 call`,
      { exitMs: ms },
    );
  }, 90_000);

  it('[F3] a step whose worker dies twice is abandoned (its lease ran out, then its job stalled): the failure screen once, counted', async () => {
    const a = await oneWorker();
    const waId = sys.newContact();
    sys.business.handle(() => undefined); // never answers
    expect((await sys.deliver(sys.webhookOf([waId]))).status).toBe(200);
    await until('the first call', async () => sys.callsFor(waId) === 1, PATIENT);
    const b = await sys.startWorker();
    await sys.stopProcess(a, 'SIGKILL');
    await until('the second call (b took the job over)', async () => sys.callsFor(waId) === 2, PATIENT);
    const c = await sys.startWorker();
    await sys.stopProcess(b, 'SIGKILL');
    const key = sys.business.requests[0].headers['idempotency-key'] as string;
    // c finds the step stopped twice and waits for an answer in the delayed set, not in one of its call slots.
    const waiting = await waitingForAnswer(key);
    expect(waiting.progress).toEqual({ abandonAfter: expect.any(Number) });
    expect(sys.sentTexts(waId)).toEqual([]);
    await sys.everyoneAnswered([waId]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sys.sentTexts(waId)).toEqual(['Failed']);
    // Two deaths: the in-process attempt's (its lease ran out) and its job's (stalled once).
    const { job, state } = await apiJob(key);
    expect(job.data).toMatchObject({ interrupted: 1 });
    expect(job.stalledCounter).toBe(1);
    expect(state).toBe('completed');
    const abandoned = await until(
      'the abandoned step counted',
      async () => (await sys.metric(c, 'flowbridge_api_steps_abandoned_total')) || null,
      PATIENT,
    );
    expect(abandoned).toBe(1);
    expect(sys.callsFor(waId)).toBe(2);
    observe(
      'F3',
      `Two workers killed in turn during one API step (the in-process attempt's lease ran out, then its job stalled): the third worker waited for an answer with the job in the delayed set (no call slot held), then the step was abandoned, the run took its failure screen once ("Failed" sent once), flowbridge_api_steps_abandoned_total{reason="stalled"} = ${abandoned}`,
      { calls: 2, abandoned },
    );
  }, 120_000);

  it('[F3] workers frozen past their lease and their lock, not dead (SIGSTOP, then SIGCONT): the step is not abandoned, the contact gets the answer once', async () => {
    const a = await oneWorker();
    const abandonedBefore = await sys.metric(a, 'flowbridge_api_steps_abandoned_total');
    const waId = sys.newContact();
    // Held until both workers have lost the step: a process that is only frozen still records the answer.
    const held: ServerResponse[] = [];
    sys.business.handle((_req, res) => void held.push(res));
    expect((await sys.deliver(sys.webhookOf([waId]))).status).toBe(200);
    await until('the first call', async () => sys.callsFor(waId) === 1, PATIENT);
    const key = sys.business.requests[0].headers['idempotency-key'] as string;
    const b = await sys.startWorker();
    let takenOver = 0;
    try {
      // a's lease runs out while it is frozen: b's outbox sweep makes the attempt a job (interrupted: 1).
      a.kill('SIGSTOP');
      await until('the second call (b took the attempt over)', async () => sys.callsFor(waId) === 2, PATIENT);
      // Then b freezes with that job: its lock runs out, and a, thawed, finds it stalled and takes it over.
      b.kill('SIGSTOP');
      a.kill('SIGCONT');
      await until('the job stalled', async () => (await apiJob(key)).job.stalledCounter === 1, PATIENT);
      const frozenAt = Date.now();
      // a (the only worker running) takes the job, finds the step stopped twice and puts it in the delayed set
      // to wait for an answer; a moment more, in which it would have been abandoned before the waiting was added.
      await waitingForAnswer(key);
      await new Promise((r) => setTimeout(r, 2000));
      takenOver = Date.now() - frozenAt;
    } finally {
      a.kill('SIGCONT');
      b.kill('SIGCONT');
    }
    for (const res of held.splice(0)) sendJson(res, 200, { status: 'shipped' });
    await sys.everyoneAnswered([waId]);
    // The waiting job comes back when its grace is over (the API's 20 s timeout and the 2 s lock), finds the
    // answer and ends.
    await until('the job done', async () => (await apiJob(key)).state === 'completed', PATIENT);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    const { job } = await apiJob(key);
    expect(job.data).toMatchObject({ interrupted: 1 });
    expect(job.stalledCounter).toBe(1);
    const abandoned =
      (await sys.metric(a, 'flowbridge_api_steps_abandoned_total')) -
      abandonedBefore +
      (await sys.metric(b, 'flowbridge_api_steps_abandoned_total'));
    expect(abandoned).toBe(0);
    expect(sys.callsFor(waId)).toBe(2);
    expect(new Set(sys.business.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    observe(
      'F3',
      `Two workers frozen in turn (SIGSTOP) during one API step, long enough to lose it (the in-process attempt's lease ran out, then its job's lock; stalled once): the worker that took it over waited for an answer instead of abandoning at once; thawed, the frozen ones' calls were answered (${seconds(takenOver)} after the stall) and the contact got "Your order is shipped" once, 0 steps abandoned, 2 calls with one Idempotency-Key`,
      { calls: 2, abandoned, takenOverMs: takenOver },
    );
  }, 120_000);

  it('[F19] three workers competing: each step done once, the concurrency limit held, every worker took work', async () => {
    while (sys.workers.length > 0) await sys.stopProcess(sys.workers[0], 'SIGTERM');
    const concurrency = 4;
    const workers = await Promise.all(
      [0, 1, 2].map(() => sys.startWorker({ WORKER_CONCURRENCY: String(concurrency) })),
    );
    let inFlight = 0;
    let peak = 0;
    sys.business.handle((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        sendJson(res, 200, { status: 'shipped' });
      }, 100);
    });
    const waIds = Array.from({ length: 150 }, () => sys.newContact());
    for (let i = 0; i < waIds.length; i += 25)
      expect((await sys.deliver(sys.webhookOf(waIds.slice(i, i + 25)))).status).toBe(200);
    const took = await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    expect(waIds.map((w) => sys.callsFor(w))).toEqual(waIds.map(() => 1));
    expect(peak).toBeLessThanOrEqual(3 * concurrency);
    const perWorker = await Promise.all(
      workers.map((w) => sys.metric(w, 'flowbridge_api_call_duration_seconds_count')),
    );
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(150);
    observe(
      'F19',
      `3 workers (concurrency ${concurrency} each), ${waIds.length} contacts: ${count(150)} API calls, one per step, 0 duplicate sends; calls per worker ${perWorker.join('/')}; at most ${peak} calls in flight (limit ${3 * concurrency}); all answered in ${seconds(took)}`,
      {
        contacts: 150,
        peakInFlight: peak,
        limit: 3 * concurrency,
        ...Object.fromEntries(perWorker.map((n, i) => [`worker${i + 1}`, n])),
      },
    );
  }, 180_000);

  it('[F9] the relay killed between its commit and the enqueue (SIGKILL, Redis writes paused): the sweep of another worker sends it; sent twice (job gone in between) → one WhatsApp send', async () => {
    const relay = await oneWorker();
    const waId = sys.newContact();
    let answer!: () => void;
    sys.business.handle((_req, res) => {
      answer = () => sendJson(res, 200, { status: 'shipped' });
    });
    expect((await sys.deliver(sys.webhookOf([waId]))).status).toBe(200);
    await until('the call in flight', async () => sys.callsFor(waId) === 1, PATIENT);
    const sweeper = await sys.startWorker();
    const navigationRow = async () =>
      (
        await sys.pg.query<{ job_id: string; queue: string; sent_at: Date | null }>(
          `SELECT job_id, queue, sent_at FROM worker.outbox WHERE wa_id = $1 AND queue LIKE 'flow-navigation%'`,
          'flowbridge',
          [waId],
        )
      )[0];
    // Redis takes no writes for a while: the relay commits the step's navigation row, then waits on its enqueue
    // (the row's "sent" mark not written: it comes after the enqueue) until it is killed there.
    await sys.redis.command('CLIENT', 'PAUSE', 15_000, 'WRITE');
    let committed: Awaited<ReturnType<typeof navigationRow>>;
    try {
      answer();
      committed = await until('the navigation row committed', navigationRow, PATIENT);
      await new Promise((r) => setTimeout(r, 500));
      await sys.stopProcess(relay, 'SIGKILL');
    } finally {
      await sys.redis.command('CLIENT', 'UNPAUSE');
    }
    const killedAt = Date.now();
    expect(committed.sent_at).toBeNull();
    await until('the sweep to send it', async () => (await navigationRow()).sent_at !== null, PATIENT);
    const sweptIn = Date.now() - killedAt;
    await sys.everyoneAnswered([waId]);
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    expect(sys.workers).toEqual([sweeper]);

    // The same row sent again after its job was removed (as removeOnComplete does): the messaging service
    // dedupes it by navigation id.
    /** Waits for the navigation job to complete; `remove` then takes it out, as removeOnComplete would. */
    const completed = async (which: string, remove = false) => {
      const queue = sys.queue(committed.queue);
      try {
        await until(
          `the ${which} job to complete`,
          async () => (await queue.getJobState(committed.job_id)) === 'completed',
          PATIENT,
        );
        if (remove) await queue.remove(committed.job_id);
      } finally {
        await queue.close();
      }
    };
    await completed('first', true);
    await sys.pg.query(
      `UPDATE worker.outbox SET sent_at = NULL, created_at = now() - interval '1 minute' WHERE job_id = $1`,
      'flowbridge',
      [committed.job_id],
    );
    await until('the second sweep', async () => (await navigationRow()).sent_at !== null, PATIENT);
    await completed('second');
    expect(await sys.duplicatesAmong([waId])).toBe(0);
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    expect(sys.callsFor(waId)).toBe(1);
    observe(
      'F9',
      `The worker relaying a step's navigation was killed (SIGKILL) after its commit, during the enqueue (Redis writes paused): the row stayed unsent and another worker's sweep sent it ${seconds(sweptIn)} later; the same navigation published again after its job was removed was deduplicated by the messaging service: 1 WhatsApp send, 1 API call`,
      { sweptInMs: sweptIn, sends: sys.sentTexts(waId).length },
    );
  }, 120_000);

  it('[F14] the same webhook delivered 5 times at once, and again after its job was removed: one run, all acknowledged', async () => {
    await oneWorker();
    const waId = sys.newContact();
    const raw = sys.webhookOf([waId]);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => sys.deliver(raw)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await sys.everyoneAnswered([waId]);
    // As removeOnComplete does after a day: the job, and so its id, is gone; Postgres still knows the message.
    const wamid = (
      JSON.parse(raw) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }> }
    ).entry[0].changes[0].value.messages[0].id;
    const partitions = [0, 1, 2, 3].map((p) => sys.queue(`flow-triggers.${p}`));
    try {
      for (const q of partitions) await q.remove(jobIdOf('wa', wamid));
    } finally {
      await Promise.all(partitions.map((q) => q.close()));
    }
    expect((await sys.deliver(raw)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    expect(sys.callsFor(waId)).toBe(1);
    const runs = await sys.pg.query(`SELECT id FROM worker.runs WHERE wa_id = $1`, 'flowbridge', [waId]);
    expect(runs).toHaveLength(1);
    observe(
      'F14',
      "5 concurrent deliveries of one webhook → 5 × 200, 1 run, 1 API call, 1 send; delivered again after its trigger job was removed → 200 and nothing more (the conversation log's unique key)",
      { deliveries: 6, runs: runs.length },
    );
  }, 60_000);

  it('[F20] a rolling restart of the workers under traffic (new one up, old one SIGTERM, twice): nothing lost, nothing twice', async () => {
    while (sys.workers.length < 2) await sys.startWorker();
    const old = [...sys.workers];
    sys.business.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'shipped' }), 300);
    });
    const waIds: string[] = [];
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const batch = [sys.newContact(), sys.newContact()];
        waIds.push(...batch);
        expect((await sys.deliver(sys.webhookOf(batch))).status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const exits: number[] = [];
    for (const worker of old) {
      await new Promise((r) => setTimeout(r, 1500));
      await sys.startWorker();
      const { code, ms } = await sys.stopProcess(worker, 'SIGTERM');
      expect(code).toBe(0);
      exits.push(ms);
    }
    await new Promise((r) => setTimeout(r, 1500));
    sending = false;
    await traffic;
    await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    expect(waIds.map((w) => sys.callsFor(w))).toEqual(waIds.map(() => 1));
    observe(
      'F20',
      `Simulated rolling deploy (no Kubernetes here): ${waIds.length} contacts arriving throughout while each of 2 workers was replaced (new one ready, then SIGTERM to the old; exits 0 in ${exits.map((ms) => seconds(ms)).join(' and ')}, within a 30 s grace period): every contact answered once, one API call each`,
      { contacts: waIds.length, maxExitMs: Math.max(...exits) },
    );
  }, 180_000);

  it('[D6] a whole flow with a canary token (the API answers 401 once, then drops the connection): the canary is in no log line and nowhere in Redis', async () => {
    await oneWorker();
    const canary = `canary-${randomUUID()}`;
    const connection = must(
      await sys.api.POST('/connections', {
        body: {
          title: 'Canary API',
          baseUrl: sys.business.origin,
          auth: { type: 'bearer', token: canary },
          headers: { 'x-api-secret': { secret: `${canary}-header` } },
          retry: { attempts: 2, backoff: 'fixed', delayMs: 200, maxDelayMs: 200 },
        },
      }),
    );
    const api = must(
      await sys.api.POST('/apis', {
        body: {
          name: 'Canary lookup',
          connectionId: connection.id,
          method: 'GET',
          path: '/canary/{{contact.waId}}',
        },
      }),
    );
    await sys.publishLookupFlow({
      name: 'Canary flow',
      keyword: 'canary',
      apiId: api.id,
      found: 'Found',
      failed: 'Canary failed',
    });
    // A 401 that echoes the credentials back, for one contact; a dropped connection (an axios error) for another.
    sys.business.handle((req, res) => {
      if (req.url.endsWith('1')) sendJson(res, 401, { error: 'bad token', got: req.headers.authorization });
      else res.socket?.destroy();
    });
    // Contact ids ending in 1 get the 401, in 2 the dropped connection.
    const [a, b] = [`${sys.newContact()}1`, `${sys.newContact()}2`];
    for (const w of [a, b])
      expect(await sys.deliver(sys.webhookOf([w], 'canary please')).then((r) => r.status)).toBe(200);
    await sys.everyoneAnswered([a, b]);
    expect(sys.sentTexts(a)).toEqual(['Canary failed']);
    expect(sys.sentTexts(b)).toEqual(['Canary failed']);
    // The canary did travel where it belongs: to the business API.
    expect(sys.business.requests.some((r) => r.headers.authorization === `Bearer ${canary}`)).toBe(true);
    const dump = await redisDump();
    expect(dump.keys).toBeGreaterThan(20);
    expect(dump.text).not.toContain(canary);
    expect(sys.output()).not.toContain(canary);
    const runs = must(await sys.api.GET('/runs', { params: { query: { contact: a } } }));
    const run = must(await sys.api.GET('/runs/{id}', { params: { path: { id: runs.items[0].id } } }));
    expect(JSON.stringify(run)).not.toContain(canary);
    observe(
      'D6',
      `Canary bearer token and secret header on a connection; the API answered 401 echoing the token, and dropped the connection for another contact: both runs took the failure screen; the canary reached the business API only: 0 hits in ${count(dump.keys)} Redis keys (every string, hash, list, set, zset and stream dumped), 0 in ${count(sys.output().split('\n').length)} log lines, 0 in GET /runs/:id`,
      { redisKeys: dump.keys },
    );
  }, 120_000);

  it('[D6] watching the wire (PSUBSCRIBE *, MONITOR) through whole steps with bearer, secret header, OAuth2 and a send: no secret in any form', async () => {
    await oneWorker();
    const bearer = `bearer-${randomUUID()}`;
    const header = `header-${randomUUID()}`;
    const clientSecret = `client-secret-${randomUUID()}`;
    const issued = `issued-token-${randomUUID()}`;
    sys.business.handle((req, res) => {
      if (req.url === '/oauth/token') sendJson(res, 200, { access_token: issued, expires_in: 3600 });
      else sendJson(res, 200, { status: 'ok' });
    });
    const bearerApi = await apiOn({
      auth: { type: 'bearer', token: bearer },
      headers: { 'x-secret': { secret: header } },
    });
    const oauthApi = await apiOn({
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${sys.business.origin}/oauth/token`,
        clientId: 'flowbridge',
        clientSecret,
      },
    });
    await sys.publishLookupFlow({
      name: 'Wire bearer',
      keyword: 'wirebearer',
      apiId: bearerApi,
      found: 'Found',
      failed: 'Failed',
    });
    await sys.publishLookupFlow({
      name: 'Wire oauth',
      keyword: 'wireoauth',
      apiId: oauthApi,
      found: 'Found',
      failed: 'Failed',
    });

    const seen: string[] = [];
    const subscriber = sys.redis.client();
    const monitor = await sys.redis.client().monitor();
    try {
      await subscriber.psubscribe('*');
      subscriber.on('pmessage', (_p, channel: string, message: string) => seen.push(`${channel} ${message}`));
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
      const [a, b] = [sys.newContact(), sys.newContact()];
      expect((await sys.deliver(sys.webhookOf([a], 'wirebearer'))).status).toBe(200);
      expect((await sys.deliver(sys.webhookOf([b], 'wireoauth'))).status).toBe(200);
      await sys.everyoneAnswered([a, b]);
      expect(sys.sentTexts(a)).toEqual(['Found']);
      expect(sys.sentTexts(b)).toEqual(['Found']);
    } finally {
      subscriber.disconnect();
      monitor.disconnect();
    }
    // The secrets did travel where they belong.
    const sent = sys.business.requests;
    expect(
      sent.some((r) => r.headers.authorization === `Bearer ${bearer}` && r.headers['x-secret'] === header),
    ).toBe(true);
    expect(sent.some((r) => r.headers.authorization === `Bearer ${issued}`)).toBe(true);
    const wire = seen.join('\n');
    // RPC requests and replies went over pub/sub; BullMQ's commands and the token cache went through MONITOR.
    expect(wire).toMatch(/connections\.resolve\.v1\.reply/);
    expect(wire).toMatch(/EVALSHA|evalsha/);
    const secrets = {
      bearer,
      header,
      clientSecret,
      issued,
      channelToken: sys.accessToken,
      appSecret: sys.number.appSecret,
      internalKey: sys.internalKey,
      redisPassword: sys.redis.password!,
    };
    const forms = (v: string) => [
      v,
      Buffer.from(v).toString('base64'),
      Buffer.from(v).toString('base64url'),
      encodeURIComponent(v),
    ];
    const found = Object.entries(secrets).filter(([, v]) => forms(v).some((f) => wire.includes(f)));
    expect(found.map(([name]) => name)).toEqual([]);
    observe(
      'D6',
      `Wire watched (PSUBSCRIBE * and MONITOR on a password-protected Redis) through two whole steps — bearer + secret header, OAuth2 client credentials — and their sends: ${count(seen.length)} messages and commands, 0 holding any of 8 secrets (API token, secret header, client secret, issued OAuth token, channel token, app secret, INTERNAL_KEY, Redis password) in clear, base64, base64url or URL-encoded`,
      { wireLines: seen.length },
    );

    async function apiOn(settings: Record<string, unknown>): Promise<string> {
      const connection = must(
        await sys.api.POST('/connections', {
          body: { title: `Wire ${randomUUID().slice(0, 8)}`, baseUrl: sys.business.origin, ...settings },
        }),
      );
      const api = must(
        await sys.api.POST('/apis', {
          body: {
            name: `Wire ${randomUUID().slice(0, 8)}`,
            connectionId: connection.id,
            method: 'GET',
            path: '/wire/{{contact.waId}}',
          },
        }),
      );
      return api.id;
    }
  }, 120_000);

  /** Every key of the suite's Redis with its whole value, as text. */
  async function redisDump(): Promise<{ keys: number; text: string }> {
    const redis = sys.redis.client();
    try {
      const keys = await redis.keys('*');
      const parts: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1)
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : null;
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
      return { keys: keys.length, text: parts.join('\n') };
    } finally {
      redis.disconnect();
    }
  }
});
