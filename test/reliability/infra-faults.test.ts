import { sendJson, until } from '@flowbridge/testing';
import { jobIdOf, triggerQueue, navigationQueue, QueueName } from '@flowbridge/contracts';
import { count, observe, seconds } from './harness/observe';
import { PATIENT, System } from './harness/system';

// RELIABILITY.md A: Redis and Postgres stopped, killed and filled under the running system. The suite's own
// redis-server and Postgres cluster, so nothing else is disturbed.
describe('reliability: infrastructure faults (own Redis and Postgres, services as processes)', () => {
  let sys: System;

  beforeAll(async () => {
    // 16 API calls at once per worker (the default is 64): a burst of slow calls overflows into flow-api-calls
    // jobs, so outages find jobs waiting as well as active and delayed.
    sys = await System.start({ workers: 2, env: { WORKER_CONCURRENCY: '16' } });
    // Retries 3 s apart: a failed first attempt waits as a delayed job, so outages find jobs in every state.
    // Attempts time out after 15 s: a call made to hang stays in flight until the test ends it, even when a
    // loaded machine takes seconds to start the last of a batch (a 3 s timeout retried the first ones).
    await sys.seed({ attempts: 3, backoff: 'fixed', delayMs: 3000, maxDelayMs: 3000 }, 15_000);
  }, 120_000);

  afterEach(() => sys.restoreInfrastructure(), 60_000);

  beforeEach(() => {
    sys.business.reset();
    sys.business.handle((_req, res) => sendJson(res, 200, { status: 'shipped' }));
  });

  afterAll(async () => {
    await sys?.close();
  }, 60_000);

  it('[F6] services started while Redis is down answer webhooks 503 at once, and become ready when it starts', async () => {
    await sys.redis.stop();
    const messaging = await sys.startService('whatsapp-messaging', {}, false);
    const worker = await sys.startService('worker', {}, false);
    await until(
      'both to listen',
      async () => (await sys.readiness(messaging)) > 0 && (await sys.readiness(worker)) > 0,
      PATIENT,
    );
    expect(await sys.readiness(messaging)).toBe(503);
    expect(await sys.readiness(worker)).toBe(503);
    const waId = sys.newContact();
    const raw = sys.webhookOf([waId]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await sys.deliver(raw, 10_000, messaging));
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    const slowest = Math.max(...answers.map((a) => a.ms));
    expect(slowest).toBeLessThan(2000);

    const redisBack = Date.now();
    await sys.redis.start();
    await until(
      'both to be ready',
      async () => (await sys.readiness(messaging)) === 200 && (await sys.readiness(worker)) === 200,
      PATIENT,
    );
    const readyAfter = Date.now() - redisBack;
    expect((await sys.deliver(raw, 10_000, messaging)).status).toBe(200);
    await sys.everyoneAnswered([waId]);
    expect(sys.sentTexts(waId)).toEqual(['Your order is shipped']);
    observe(
      'F6',
      `Redis down at start: readiness 503 on both, 3 webhooks answered 503 (slowest ${slowest} ms); ready ${seconds(readyAfter)} after Redis started, no restart; the redelivery was processed once`,
      { slowestWebhookMs: slowest, readyAfterMs: readyAfter },
    );
    await Promise.all([sys.stopProcess(messaging, 'SIGTERM'), sys.stopProcess(worker, 'SIGTERM')]);
  }, 120_000);

  it('[F7] Redis down during webhook POSTs → 5xx quickly; the redelivery after it returns is processed once', async () => {
    const waIds = [sys.newContact(), sys.newContact(), sys.newContact()];
    const bodies = waIds.map((w) => sys.webhookOf([w]));
    await sys.redis.stop();
    const during = await Promise.all(bodies.map((raw) => sys.deliver(raw)));
    expect(during.map((d) => d.status)).toEqual([503, 503, 503]);
    const slowest = Math.max(...during.map((d) => d.ms));
    expect(slowest).toBeLessThan(2000);
    await sys.redis.start();
    let tries = 0;
    for (const raw of bodies) tries += await sys.deliverUntilAccepted(raw);
    // Meta may deliver an accepted webhook again: a duplicate is acknowledged and does nothing.
    for (const raw of bodies) expect((await sys.deliver(raw)).status).toBe(200);
    await sys.everyoneAnswered(waIds);
    await new Promise((r) => setTimeout(r, 1000));
    expect(waIds.map((w) => sys.sentTexts(w))).toEqual(waIds.map(() => ['Your order is shipped']));
    const calls = waIds.map((w) => sys.business.requests.filter((r) => r.url === `/orders/${w}`).length);
    expect(calls).toEqual([1, 1, 1]);
    observe(
      'F7',
      `3 webhooks during the outage → 503 (slowest ${slowest} ms); after Redis returned, redeliveries accepted after ${tries} tries in all, each processed once (1 API call, 1 send per contact), duplicates acknowledged`,
      { slowestWebhookMs: slowest },
    );
  }, 120_000);

  const ALL_QUEUES = [
    ...[0, 1, 2, 3].map(triggerQueue),
    QueueName.FlowApiCalls,
    ...[0, 1, 2, 3].map(navigationQueue),
  ];
  const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

  /** A slow business API that fails every even contact's first attempt: jobs active, waiting and delayed. */
  function slowAndFlaky(latencyMs: number): void {
    const seen = new Set<string>();
    sys.business.handle((req, res) => {
      const first = !seen.has(req.url);
      seen.add(req.url);
      const even = Number(req.url.slice(-1)) % 2 === 0;
      setTimeout(
        () => sendJson(res, first && even ? 503 : 200, { status: first && even ? 'down' : 'shipped' }),
        latencyMs,
      );
    });
  }

  it.each([2000, 15_000])(
    '[F4] Redis restarted (AOF) for %i ms with jobs waiting, delayed and active: none lost, every worker resumes without a restart',
    async (outageMs) => {
      slowAndFlaky(800);
      const waIds = Array.from({ length: 120 }, () => sys.newContact());
      for (let i = 0; i < waIds.length; i += 20)
        expect((await sys.deliver(sys.webhookOf(waIds.slice(i, i + 20)))).status).toBe(200);
      const before = await until(
        'jobs waiting, delayed and active at once',
        async () => {
          const c = await sys.jobCounts(ALL_QUEUES);
          return c.waiting > 0 && c.delayed > 0 && c.active > 0 && c;
        },
        PATIENT,
      );
      const consumed = await Promise.all(
        sys.workers.map((w) => sys.metric(w, 'flowbridge_queue_wait_seconds_count')),
      );
      const pids = sys.workers.map((w) => w.exited);
      await sys.redis.stop('SIGTERM');
      const down = Date.now();
      await new Promise((r) => setTimeout(r, Math.min(1000, outageMs / 2)));
      const readyDuring = await Promise.all([...sys.workers, sys.messaging].map((p) => sys.readiness(p)));
      expect(readyDuring).toEqual(readyDuring.map(() => 503));
      await new Promise((r) => setTimeout(r, outageMs - (Date.now() - down)));
      await sys.redis.start();
      const back = Date.now();
      const after = await sys.jobCounts(ALL_QUEUES);
      // Jobs only accumulate (completed ones are kept for a day): fewer after the restart would be a loss.
      expect(total(after)).toBeGreaterThanOrEqual(total(before));
      const resumed = await Promise.all(
        sys.workers.map((w, i) =>
          until(
            `worker ${i} to consume again`,
            async () =>
              (await sys.metric(w, 'flowbridge_queue_wait_seconds_count')) > consumed[i] && Date.now() - back,
            PATIENT,
          ),
        ),
      );
      await sys.everyoneAnswered(waIds, 120_000);
      const lastAnswer =
        Math.max(...waIds.map((w) => new Date(sys.sandbox.sentTo(w)[0].at).getTime())) - back;
      await new Promise((r) => setTimeout(r, 1000));
      expect(await sys.duplicatesAmong(waIds)).toBe(0);
      expect(waIds.every((w) => sys.sentTexts(w)[0] === 'Your order is shipped')).toBe(true);
      // Same processes: none exited.
      const exited = await Promise.race([
        Promise.any(pids).then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10)),
      ]);
      expect(exited).toBe(false);
      const keys = new Map<string, Set<string>>();
      for (const r of sys.business.requests)
        keys.set(r.url, (keys.get(r.url) ?? new Set()).add(String(r.headers['idempotency-key'])));
      expect([...keys.values()].every((k) => k.size === 1)).toBe(true);
      // Every accepted event applied exactly once (issue 18): one applied inbox row per contact's message, and
      // its trigger job completed (not merely "as many jobs after as before", which a loss plus a duplicate
      // would also pass).
      const applied = await sys.pg.query<{ wa_id: string; n: number; pending: number }>(
        `SELECT wa_id, count(*)::int AS n, count(*) FILTER (WHERE applied_at IS NULL)::int AS pending
           FROM worker.inbox WHERE wa_id = ANY($1) AND kind = 'trigger' GROUP BY wa_id ORDER BY wa_id`,
        'flowbridge',
        [waIds],
      );
      expect(applied).toEqual([...waIds].sort().map((wa_id) => ({ wa_id, n: 1, pending: 0 })));
      const inbound = await sys.pg.query<{ wa_message_id: string }>(
        `SELECT wa_message_id FROM whatsapp_messaging.messages WHERE direction = 'in' AND wa_id = ANY($1)`,
        'flowbridge',
        [waIds],
      );
      expect(inbound).toHaveLength(waIds.length);
      const triggerQueues = ALL_QUEUES.filter((q) => q.startsWith(`${QueueName.FlowTriggers}.`)).map((q) =>
        sys.queue(q),
      );
      try {
        const states = await Promise.all(
          inbound.map(async ({ wa_message_id }) => {
            for (const queue of triggerQueues) {
              const job = await queue.getJob(jobIdOf('wa', wa_message_id));
              if (job) return job.getState();
            }
            return 'missing';
          }),
        );
        expect(new Set(states)).toEqual(new Set(['completed']));
      } finally {
        await Promise.all(triggerQueues.map((q) => q.close()));
      }
      observe(
        'F4',
        `${seconds(outageMs)} Redis restart with ${before.waiting} waiting, ${before.delayed} delayed and ${before.active} active jobs (${count(total(before))} jobs in all before, ${count(total(after))} after: none lost); readiness 503 during the outage; every worker consumed again ${resumed.map((ms) => seconds(ms)).join(' and ')} after Redis returned, with no process restarted; ${waIds.length} contacts each answered once (the last ${seconds(lastAnswer)} after Redis returned), 0 duplicates`,
        {
          outageMs,
          waiting: before.waiting,
          delayed: before.delayed,
          active: before.active,
          resumedMs: Math.max(...resumed),
        },
      );
    },
    240_000,
  );

  it('[F8] Postgres crashes (pg_ctl stop -m immediate) during steps and returns 10 s later: steps retried, nothing doubled, 503 JSON meanwhile', async () => {
    sys.business.handle((_req, res) => {
      setTimeout(() => sendJson(res, 200, { status: 'shipped' }), 1000);
    });
    const waIds = Array.from({ length: 30 }, () => sys.newContact());
    expect((await sys.deliver(sys.webhookOf(waIds))).status).toBe(200);
    await until('API calls in flight', async () => sys.business.requests.length >= 5, PATIENT);
    const callsAtCrash = sys.business.requests.length;
    sys.pg.stop('immediate');
    const down = Date.now();
    const admin = await fetch(sys.connections.url('/connections'), {
      headers: { authorization: `Bearer ${sys.adminKey}` },
    });
    const text = await admin.text();
    expect(admin.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(text).not.toMatch(/\n\s+at |node_modules|\.js:\d+/);
    const webhook = await sys.deliver(sys.webhookOf([sys.newContact()]));
    expect(webhook.status).toBe(503);
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - down)));
    await sys.pg.start();
    const answeredIn = await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    const doubled = await sys.pg.query(
      `SELECT wa_id FROM worker.runs WHERE wa_id = ANY($1) GROUP BY wa_id HAVING count(*) > 1
       UNION ALL SELECT wa_id FROM whatsapp_messaging.messages WHERE direction = 'out' AND wa_id = ANY($1)
        GROUP BY wa_id HAVING count(*) > 1`,
      'flowbridge',
      [waIds],
    );
    expect(doubled).toEqual([]);
    const calls = waIds.map((w) => sys.callsFor(w));
    expect(Math.max(...calls)).toBeLessThanOrEqual(2);
    observe(
      'F8',
      `Postgres crashed (stop -m immediate) with 30 steps started and ${callsAtCrash} of their API calls already made, down 10 s: admin API 503 JSON (code ${JSON.parse(text).code}, no stack), webhook 503; after restart every contact answered once (${seconds(answeredIn)}), 0 duplicate runs or sends, at most ${Math.max(...calls)} calls per step (same Idempotency-Key)`,
      { outageMs: 10_000, answeredAfterMs: answeredIn, maxCallsPerStep: Math.max(...calls) },
    );
  }, 180_000);

  it('[F18] Redis at maxmemory (noeviction): webhooks 503 and counted, nothing dropped; all processed once memory is freed', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await sys.redis.command<string>('INFO', 'memory'))![1]);
    const unavailableBefore = await sys.metric(sys.messaging, 'flowbridge_webhook_requests_total');
    // Below what is in use: Redis refuses every write (noeviction) until memory is freed or the cap raised.
    await sys.redis.command('CONFIG', 'SET', 'maxmemory', String(Math.floor(used / 2)));
    const waIds = Array.from({ length: 5 }, () => sys.newContact());
    const bodies = waIds.map((w) => sys.webhookOf([w]));
    try {
      const during = await Promise.all(bodies.map((raw) => sys.deliver(raw)));
      expect(during.map((d) => d.status)).toEqual([503, 503, 503, 503, 503]);
      const metrics = await (await fetch(sys.messaging.url('/metrics'))).text();
      expect(metrics).toMatch(/flowbridge_webhook_requests_total\{outcome="unavailable"[^}]*\} [1-9]/);
      expect(sys.output()).toMatch(/OOM command not allowed/);
    } finally {
      await sys.redis.command('CONFIG', 'SET', 'maxmemory', '0');
    }
    let tries = 0;
    for (const raw of bodies) tries += await sys.deliverUntilAccepted(raw);
    await sys.everyoneAnswered(waIds);
    await new Promise((r) => setTimeout(r, 500));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    observe(
      'F18',
      `maxmemory set below the memory in use: 5 webhooks → 503 (flowbridge_webhook_requests_total{outcome="unavailable"} counted them, "OOM command not allowed" logged); after maxmemory was lifted, ${tries} deliveries accepted all 5, each contact answered once`,
      { webhooksRefused: 5, requestsCountedBefore: unavailableBefore },
    );
  }, 120_000);

  it('[F5] Redis killed (-9) during a webhook burst and back with its last second of writes gone: every acknowledged webhook is answered', async () => {
    // Workers stopped: the burst's trigger events wait in Redis, so what the crash takes is not yet processed.
    while (sys.workers.length > 0) await sys.stopProcess(sys.workers[0], 'SIGTERM');
    const waIds = Array.from({ length: 120 }, () => sys.newContact());
    // Each contact's webhook as Meta sends it, and sends it again until acknowledged: the same body (the same
    // message id), not a new message.
    const bodies = new Map(waIds.map((waId) => [waId, sys.webhookOf([waId])]));
    const accepted: string[] = [];
    const refused: string[] = [];
    let snapshot = '';
    let acceptedAfterSnapshot = 0;
    const burst = (async () => {
      for (const [i, waId] of waIds.entries()) {
        if (i === 50) snapshot = sys.redis.snapshotAof();
        const { status } = await sys.deliver(bodies.get(waId)!, 3000);
        if (status === 200) {
          accepted.push(waId);
          if (snapshot) acceptedAfterSnapshot += 1;
        } else refused.push(waId);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await until(
      'the snapshot and a second more of traffic',
      async () => snapshot !== '' && accepted.length >= 80,
      PATIENT,
    );
    // The host dies: Redis is killed, and comes back with the AOF as it was a second or so before.
    await sys.redis.stop('SIGKILL');
    sys.redis.restoreAof(snapshot);
    await sys.redis.start();
    await burst;
    await sys.startWorker();
    // Meta delivers again what was not acknowledged.
    for (const waId of refused) await sys.deliverUntilAccepted(bodies.get(waId)!);
    const tookMs = await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    expect(acceptedAfterSnapshot).toBeGreaterThan(0);
    expect(sys.output()).toMatch(/Redis restarted: queued again what it may have lost/);
    observe(
      'F5',
      `Redis killed -9 mid-burst and restarted from an AOF copy taken ~1 s earlier (a host power cut with everysec): ${acceptedAfterSnapshot} webhooks acknowledged in that second were lost from Redis; the messaging service saw the new Redis run_id and queued them again from Postgres: all ${accepted.length} acknowledged (and ${refused.length} redelivered) webhooks answered once, ${seconds(tookMs)} after`,
      { lostAcknowledged: acceptedAfterSnapshot, accepted: accepted.length, redelivered: refused.length },
    );
  }, 180_000);

  it('[F5] the whole host dies (Redis and the worker killed, Redis back from an older AOF) with API steps in flight: the worker sends its outbox again', async () => {
    while (sys.workers.length > 0) await sys.stopProcess(sys.workers[0], 'SIGTERM');
    const waIds = Array.from({ length: 20 }, () => sys.newContact());
    expect((await sys.deliver(sys.webhookOf(waIds))).status).toBe(200);
    // Redis as the disk has it now: the trigger events, none of what the worker will queue from them.
    await new Promise((r) => setTimeout(r, 1500));
    const snapshot = sys.redis.snapshotAof();
    sys.business.handle(() => undefined); // the calls hang: the steps are in flight when the host dies
    // Room for all 20 at once: with the default 16, the last 4 waited for the first ones to time out.
    const worker = await sys.startWorker({ WORKER_CONCURRENCY: '32' });
    await until(
      '20 API calls in flight',
      async () => waIds.every((w) => sys.callsFor(w) === 1),
      PATIENT,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}: calls per contact ${JSON.stringify(waIds.map((w) => sys.callsFor(w)))}\n` +
          (await sys.diagnose(waIds.filter((w) => sys.callsFor(w) !== 1))),
      );
    });
    await Promise.all([sys.stopProcess(worker, 'SIGKILL'), sys.redis.stop('SIGKILL')]);
    sys.redis.restoreAof(snapshot);
    sys.business.handle((_req, res) => sendJson(res, 200, { status: 'shipped' }));
    await sys.redis.start();
    await sys.startWorker();
    const tookMs = await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sys.duplicatesAmong(waIds)).toBe(0);
    expect(waIds.every((w) => sys.sentTexts(w)[0] === 'Your order is shipped')).toBe(true);
    // The API job of each step was lost with Redis; the outbox's copy made the call again, same key.
    const keys = new Map<string, Set<string>>();
    for (const r of sys.business.requests.filter((r) => waIds.some((w) => r.url === `/orders/${w}`)))
      keys.set(r.url, (keys.get(r.url) ?? new Set()).add(String(r.headers['idempotency-key'])));
    expect([...keys.values()].every((k) => k.size === 1)).toBe(true);
    expect(waIds.map((w) => sys.callsFor(w))).toEqual(waIds.map(() => 2));
    observe(
      'F5',
      `Host crash with 20 API steps in flight (worker and Redis killed -9, Redis back from an AOF without the steps' jobs): the new worker saw the new Redis run_id and sent its outbox since then again; each step called again with its Idempotency-Key (2 calls, 1 key), all 20 answered once, ${seconds(tookMs)} after`,
      { steps: 20 },
    );
  }, 180_000);

  it('[F5] a retry scheduled before the crash survives Redis losing it: the outbox sends it again', async () => {
    while (sys.workers.length > 0) await sys.stopProcess(sys.workers[0], 'SIGTERM');
    const waIds = Array.from({ length: 5 }, () => sys.newContact());
    // First attempts fail (a retry 3 s later is scheduled); later ones succeed.
    const seen = new Set<string>();
    sys.business.handle((req, res) => {
      const first = !seen.has(req.url);
      seen.add(req.url);
      sendJson(res, first ? 503 : 200, { status: first ? 'down' : 'shipped' });
    });
    expect((await sys.deliver(sys.webhookOf(waIds))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    // Redis as the disk has it now: the trigger events only.
    const snapshot = sys.redis.snapshotAof();
    await sys.startWorker();
    await until(
      '5 retries scheduled',
      async () => (await sys.jobCounts([QueueName.FlowApiCalls])).delayed === 5,
      PATIENT,
    );
    // The first attempts were sent long ago (as a retry an hour after its first attempt would be): only the
    // retries are within what a Redis restart may have lost.
    await sys.pg.query(
      `UPDATE worker.outbox SET sent_at = now() - interval '1 hour' WHERE wa_id = ANY($1) AND job_id LIKE 'api-%-1'`,
      'flowbridge',
      [waIds],
    );
    await sys.redis.stop('SIGKILL');
    sys.redis.restoreAof(snapshot);
    await sys.redis.start();
    const tookMs = await sys.everyoneAnswered(waIds, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(waIds.map((w) => sys.sentTexts(w))).toEqual(waIds.map(() => ['Your order is shipped']));
    expect(waIds.map((w) => sys.callsFor(w))).toEqual(waIds.map(() => 2));
    observe(
      'F5',
      `5 API retries scheduled (3 s after a 503), then Redis killed and rolled back to before them: the worker's outbox sent the retries again, each step's second attempt succeeded (2 calls per step), all 5 answered once, ${seconds(tookMs)} after`,
      { retries: 5 },
    );
  }, 180_000);
});
