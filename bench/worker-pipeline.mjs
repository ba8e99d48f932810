#!/usr/bin/env node
// The worker pipeline as deployed: connections, flow-definition and 1 or 2 worker processes on a fresh
// database, a business API on 127.0.0.1 answering in 0 ms or 50 ms. Trigger events for N contacts go
// straight into the trigger queues; each starts a run whose first screen calls the API, and whose success
// screen is a navigation event. Measured: runs/s (= API calls/s) and the worker's added latency, the time
// from the API's response to the success navigation being emitted. The ceiling, measured in the same run,
// is the same number of bare BullMQ no-op jobs through one process.
//
//   npm run bench:worker                 (builds first)
//   node bench/worker-pipeline.mjs --contacts 2000 --no-build
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase, ROOT } from '../scripts/lib.mjs';
import {
  adminClient,
  createBenchApi,
  benchDatabase,
  buildUnless,
  startService as startProcess,
  percentiles,
} from './lib.mjs';
import { MIGRATIONS } from '../scripts/services.mjs';

const { values: args } = parseArgs({
  options: {
    contacts: { type: 'string', default: '2000' },
    'no-build': { type: 'boolean', default: false },
  },
});
const CONTACTS = Number(args.contacts);
buildUnless(args['no-build']);

const require = createRequire(import.meta.url);
const { Queue, Worker } = require('bullmq');
const { default: pg } = await import('pg');
const { contactPartition, navigationQueue, triggerQueue } = require(
  join(ROOT, 'dist/libs/contracts/src/index.js'),
);
const { JobAuth } = require(join(ROOT, 'dist/libs/platform/src/queues/job-auth.js'));

const tag = randomBytes(4).toString('hex');
// The services connect as a role of their own, under row-level security, as deployed; migrations as the owner.
const database = benchDatabase(`fb_bench_${tag}`);
const DATABASE_URL = database.url;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUrl = new URL(REDIS_URL);
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) };
const PREFIX = `fbbench-${tag}`;
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 16);
const adminKey = `fb_bench_${randomBytes(18).toString('base64url')}`;
const INTERNAL_KEY = randomBytes(32).toString('base64');
const jobAuth = new JobAuth(INTERNAL_KEY);
const env = {
  PATH: process.env.PATH,
  // Not production: the local Redis of a dev machine usually keeps nothing on disk, which production refuses.
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  DATABASE_URL: database.appUrl,
  DATABASE_MIGRATION_URL: DATABASE_URL,
  DATABASE_POOL_SIZE: '10',
  REDIS_URL,
  RPC_NAMESPACE: PREFIX,
  QUEUE_PREFIX: PREFIX,
  TRIGGER_PARTITIONS: String(PARTITIONS),
  ADMIN_API_KEY: adminKey,
  ADMIN_WORKSPACE: 'bench',
  OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  INTERNAL_KEY,
  // WORKER_CONCURRENCY at its default (64 API calls at once per process), as the pipeline bench runs it.
};

// --- the business API: records when each answer was sent -------------------------------------------------
let latencyMs = 0;
const answeredAt = new Map();
const business = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      const body = JSON.stringify({ status: 'shipped' });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body, () =>
        answeredAt.set(req.url.split('/').pop(), performance.timeOrigin + performance.now()),
      );
    }, latencyMs),
  );
});
business.keepAliveTimeout = 60_000;
await new Promise((resolve) => business.listen(0, '127.0.0.1', resolve));

// --- services ------------------------------------------------------------------------------------------------
const children = [];
async function startService(name, portVar) {
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of each worker process there.
  const service = await startProcess(name, portVar, env, { profile: name === 'worker' });
  children.push(service.child);
  return service;
}

await ensureDatabase(DATABASE_URL);
for (const m of MIGRATIONS) spawnSync(process.execPath, m.args, { cwd: ROOT, env, stdio: 'ignore' });
const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();

const connections = await startService('connections', 'CONNECTIONS_PORT');
const flows = await startService('flow-definition', 'FLOW_DEFINITION_PORT');
const admin = adminClient(adminKey, [connections, flows]);
const api = await createBenchApi(admin, business, '/orders/{{order_id}}');
const flow = admin.must(
  await admin.api.POST('/flows', {
    body: {
      name: 'Bench',
      triggers: [{ type: 'api' }],
      startScreen: 'lookup',
      variables: [{ name: 'order_id' }],
      screens: [
        {
          id: 'lookup',
          messages: [],
          actions: [{ type: 'data_exchange', api: api.id, onSuccess: 'found', onFailure: 'failed' }],
        },
        {
          id: 'found',
          messages: [{ type: 'text', text: 'Order {{order_id}}: {{api_response.data.status}}' }],
          actions: [{ type: 'end' }],
        },
        { id: 'failed', messages: [{ type: 'text', text: 'Failed' }], actions: [{ type: 'end' }] },
      ],
    },
  }),
);
const { version } = admin.must(
  await admin.api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }),
);

// --- one measured round ------------------------------------------------------------------------------------
const producers = Array.from(
  { length: PARTITIONS },
  (_, p) => new Queue(triggerQueue(p), { prefix: PREFIX, connection }),
);
// The worker emits to NAVIGATION_PARTITIONS queues (16 by default); nothing consumes them here.
const navigation = Array.from(
  { length: 16 },
  (_, p) => new Queue(navigationQueue(p), { prefix: PREFIX, connection }),
);
let round = 0;

async function measure(workers, latency) {
  latencyMs = latency;
  answeredAt.clear();
  round += 1;
  const running = [];
  for (let i = 0; i < workers; i++) running.push(await startService('worker', 'WORKER_PORT'));
  const started = performance.now();
  const jobs = Array.from({ length: CONTACTS }, (_, i) => {
    const waId = String(440000000000 + round * 100000 + i);
    const event = {
      version: 1,
      eventId: `bench-${round}-${i}`,
      workspaceId: 'bench',
      channelId: '00000000-0000-4000-8000-0000000000aa',
      contact: { waId },
      occurredAt: new Date().toISOString(),
      source: {
        type: 'api',
        flowId: flow.id,
        flowVersion: version,
        variables: { order_id: `${round}-${i}` },
      },
    };
    return {
      p: contactPartition({ workspaceId: 'bench', channelId: event.channelId, waId }, PARTITIONS),
      event,
    };
  });
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = jobs.filter((j) => j.p === p);
    await producers[p].addBulk(
      mine.map((j) => ({
        name: 'trigger-event.v1',
        data: jobAuth.sign(triggerQueue(p), 'trigger-event.v1', j.event.eventId, j.event),
        opts: { jobId: j.event.eventId },
      })),
    );
  }
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM worker.runs WHERE status = 'completed' AND flow_id = $1`,
      [flow.id],
    );
    if (rows[0].n >= CONTACTS * round) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const emitted = (
    await Promise.all(navigation.map((q) => q.getJobs(['waiting'], 0, 1_000_000, true)))
  ).flat();
  const added = [];
  for (const job of emitted) {
    const orderId = /Order (\S+):/.exec(job.data.messages[0]?.text ?? '')?.[1];
    const at = orderId && answeredAt.get(orderId);
    if (at) added.push(job.timestamp - at);
  }
  for (const q of navigation) await q.drain(true);
  for (const { child } of running) child.kill('SIGTERM');
  await Promise.all(running.map(({ child }) => new Promise((r) => child.on('exit', r))));
  const { p50, p99 } = percentiles(added);
  return { workers, latency, rate: CONTACTS / seconds, p50, p99 };
}

async function ceiling() {
  const queue = new Queue(`noop-${tag}`, { prefix: PREFIX, connection });
  await queue.addBulk(Array.from({ length: CONTACTS }, (_, i) => ({ name: 'noop', data: { i } })));
  let done = 0;
  const started = performance.now();
  const finished = new Promise((resolve) => {
    const worker = new Worker(
      `noop-${tag}`,
      async () => {
        if (++done === CONTACTS) resolve(worker);
      },
      { prefix: PREFIX, connection: { ...connection, maxRetriesPerRequest: null }, concurrency: 32 },
    );
  });
  const worker = await finished;
  const rate = CONTACTS / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

const results = [];
try {
  const noop = await ceiling();
  const plan = process.env.BENCH_QUICK
    ? [[0, 1]]
    : [
        [0, 1],
        [0, 2],
        [50, 1],
        [50, 2],
      ];
  for (const [latency, workers] of plan) results.push(await measure(workers, latency));
  const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  console.log(
    `\n${CONTACTS} contacts per row, 1 run and 1 API call each; ${PARTITIONS} trigger partitions; ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(`ceiling: bare BullMQ no-op jobs, one process, concurrency 32: ${fmt(noop)} jobs/s\n`);
  console.log('| API latency | workers | runs/s (= API calls/s) | of ceiling | added latency p50 | p99 |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results)
    console.log(
      `| ${r.latency} ms | ${r.workers} | ${fmt(r.rate)} | ${((100 * r.rate) / noop).toFixed(1)}% | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms |`,
    );
} finally {
  for (const child of children) child.kill('SIGKILL');
  for (const q of [...producers, ...navigation]) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await db.end();
  business.close();
  await database.drop();
}
process.exit(0);
