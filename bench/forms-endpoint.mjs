#!/usr/bin/env node
// The WhatsApp Flows data endpoint under load: a form's footer `data_exchange` as WhatsApp sends it (sealed to
// the channel's public key, signed with the app secret) to the messaging service → the `flow-form-exchanges`
// queue → the worker (the run checked, the business API called, 0 ms or 50 ms) → the answer published back to
// the replica holding the request → the encrypted answer. Closed loop: BENCH_FORM_CLIENTS requests in flight
// (default 32) for BENCH_SECONDS each (default 10).
//
// The baseline, measured first in the same run: `ping` round trips to the same endpoint (signature, RSA
// unwrap, AES-GCM both ways, no queue and no worker) — what every answer costs before any Flowbridge hop.
// BENCH_PROFILE=<dir> writes each service's V8 CPU profile there. Results: a markdown table on stdout and bench/results/forms-endpoint-<day>.{md,json}.
//
//   npm run bench:forms                  (builds first)
//   node bench/forms-endpoint.mjs --no-build
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase, ROOT } from '../scripts/lib.mjs';
import { MIGRATIONS } from '../scripts/services.mjs';
import {
  adminClient,
  createBenchApi,
  benchDatabase,
  buildUnless,
  CPU_TICKS_PER_SECOND,
  freePort,
  measuredCommit,
  processDelta,
  processSnapshot,
  startService,
  percentiles,
} from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '10' },
    clients: { type: 'string', default: process.env.BENCH_FORM_CLIENTS ?? '32' },
    'no-build': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
buildUnless(args['no-build']);

const require = createRequire(import.meta.url);
const { startSandbox } = require(join(ROOT, 'dist/tools/sandbox/src/sandbox.js'));
const { sealFlowRequest } = require(join(ROOT, 'dist/tools/sandbox/src/flows-client.js'));
const COMMIT = measuredCommit();

const tag = randomBytes(4).toString('hex');
const database = benchDatabase(`fb_bench_forms_${tag}`);
const DATABASE_URL = database.url;
const PREFIX = `fbbench-forms-${tag}`;
const adminKey = `fb_bench_${randomBytes(18).toString('base64url')}`;
const number = {
  phoneNumberId: '170000000000009',
  displayPhoneNumber: '15550007779',
  wabaId: '270000000000009',
  appSecret: `bench-${randomBytes(8).toString('hex')}`,
};

// The business API the footer calls.
let latencyMs = 0;
const business = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      const body = JSON.stringify({ status: 'shipped', total: 42.5 });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }, latencyMs),
  );
});
business.keepAliveTimeout = 60_000;
await new Promise((resolve) => business.listen(0, '127.0.0.1', resolve));

const sandbox = await startSandbox({ webhookUrl: 'http://127.0.0.1:9/unset', numbers: [number] });
const messagingPort = await freePort();
const messagingUrl = `http://127.0.0.1:${messagingPort}`;
const env = {
  PATH: process.env.PATH,
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  DATABASE_URL: database.appUrl,
  DATABASE_MIGRATION_URL: DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  RPC_NAMESPACE: PREFIX,
  QUEUE_PREFIX: PREFIX,
  ADMIN_API_KEY: adminKey,
  ADMIN_WORKSPACE: 'bench',
  OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  INTERNAL_KEY: randomBytes(32).toString('base64'),
  GRAPH_API_BASE_URL: sandbox.url,
  PUBLIC_BASE_URL: messagingUrl,
};
const running = [];

const results = [];
let exitCode = 0;
try {
  await ensureDatabase(DATABASE_URL);
  for (const m of MIGRATIONS) spawnSync(process.execPath, m.args, { cwd: ROOT, env, stdio: 'ignore' });
  const start = async (name, portVar, options) => {
    // BENCH_PROFILE=<dir>: V8 CPU profiles of every service, written when they stop.
    const service = await startService(name, portVar, env, { profile: true, ...options });
    running.push(service);
    return service;
  };
  const connections = await start('connections', 'CONNECTIONS_PORT');
  const flows = await start('flow-definition', 'FLOW_DEFINITION_PORT');
  await start('worker', 'WORKER_PORT');
  const messaging = await start('whatsapp-messaging', 'WHATSAPP_MESSAGING_PORT', { port: messagingPort });
  sandbox.options.webhookUrl = `${messaging.url}/webhooks/whatsapp`;
  const admin = adminClient(adminKey, [connections, flows, messaging]);
  const api = await createBenchApi(admin, business, '/orders/{{order_id}}');
  const channel = admin.must(
    await admin.api.POST('/channels', {
      body: { ...number, accessToken: 'bench-token', verifyToken: 'bench-verify' },
    }),
  );
  const document = JSON.parse(
    readFileSync(join(ROOT, 'examples/order-lookup-form-flow.json'), 'utf8').replaceAll('API_ID', api.id),
  );
  const flow = admin.must(await admin.api.POST('/flows', { body: { ...document, name: 'Bench form' } }));
  admin.must(await admin.api.POST('/flows/{id}/publish', { params: { path: { id: flow.id } } }));

  // A run waiting on the form, and the token WhatsApp got with its flow message.
  const waId = '447700990001';
  await sandbox.say(waId, 'form', { name: 'Bench' });
  let parameters;
  for (let i = 0; i < 200 && !parameters; i++) {
    const sent = sandbox.sentTo(waId).find((e) => e.message.interactive?.type === 'flow');
    parameters = sent?.message.interactive.action.parameters;
    if (!parameters) await new Promise((r) => setTimeout(r, 50));
  }
  if (!parameters) throw new Error('the flow message never came');
  const publicKey = sandbox.numbers.get(number.phoneNumberId).businessPublicKey;
  const endpoint = `${messaging.url}/webhooks/whatsapp-flows/${channel.id}`;

  /** One request as WhatsApp makes it; the answer opened and checked. */
  async function roundTrip(payload, expectScreen) {
    const sealed = sealFlowRequest(publicKey, { version: '3.0', ...payload }, number.appSecret);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sealed.signature },
      body: sealed.raw,
    });
    const answer = sealed.open(await res.text());
    if (res.status !== 200) throw new Error(`endpoint answered ${res.status}`);
    if (expectScreen && answer.screen !== expectScreen)
      throw new Error(`answered ${answer.screen}, not ${expectScreen}: ${JSON.stringify(answer.data)}`);
  }

  /** CLIENTS requests in flight for SECONDS: round trips per second and latency percentiles. */
  async function closedLoop(label, payload, expectScreen) {
    for (let i = 0; i < 50; i++) await roundTrip(payload, expectScreen); // warm up
    const latencies = [];
    const until = Date.now() + SECONDS * 1000;
    const started = Date.now();
    const before = processSnapshot(running);
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < until) {
          const t = performance.now();
          await roundTrip(payload, expectScreen);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    // CPU per round trip, by process: where the time goes.
    const cpuMs = Object.fromEntries(
      [...processDelta(before, processSnapshot(running))].map(([name, d]) => [
        name,
        Number(((1000 * d.ticks) / CPU_TICKS_PER_SECOND / latencies.length).toFixed(2)),
      ]),
    );
    const { p50, p99 } = percentiles(latencies);
    const row = { label, perSecond: latencies.length / seconds, p50, p99, cpuMs };
    results.push(row);
    process.stderr.write(`${label}: ${row.perSecond.toFixed(0)}/s p50 ${row.p50.toFixed(1)} ms\n`);
    return row;
  }

  const exchange = {
    action: 'data_exchange',
    screen: 'ORDER',
    data: { order_id: 'A-1001' },
    flow_token: parameters.flow_token,
  };
  await closedLoop('ping (baseline: the endpoint alone)', { action: 'ping' });
  latencyMs = 0;
  await closedLoop('data_exchange, API 0 ms', exchange, 'FIRST_SCREEN');
  latencyMs = 50;
  await closedLoop('data_exchange, API 50 ms', exchange, 'FIRST_SCREEN');
} catch (error) {
  process.stderr.write(`benchmark failed: ${error.stack}\n`);
  exitCode = 1;
} finally {
  // With BENCH_PROFILE the processes must exit cleanly to write their profiles.
  for (const service of running) service.child.kill(process.env.BENCH_PROFILE ? 'SIGTERM' : 'SIGKILL');
  await Promise.all(running.map((service) => new Promise((r) => service.child.on('exit', r))));
  await sandbox.close();
  business.close();
  await database.drop();
}

if (results.length > 0) {
  const base = results[0].perSecond;
  const lines = [
    `Forms data endpoint, ${COMMIT}, ${cpus().length} cores, ${CLIENTS} requests in flight, ${SECONDS} s each`,
    '',
    '| round trip | per second | vs ping | p50 ms | p99 ms | CPU ms per round trip (messaging / worker / postgres / redis / driver) |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...results.map((r) => {
      const cpu = [
        'whatsapp-messaging',
        'worker',
        'postgres',
        'redis',
        'bench driver + sandbox + business API',
      ]
        .map((name) => (r.cpuMs[name] ?? 0).toFixed(2))
        .join(' / ');
      return `| ${r.label} | ${r.perSecond.toFixed(0)} | ${Math.round((100 * r.perSecond) / base)}% | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${cpu} |`;
    }),
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  const date = new Date().toISOString().slice(0, 10);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/forms-endpoint-${date}.md`), `${text}\n`);
  writeFileSync(
    join(ROOT, `bench/results/forms-endpoint-${date}.json`),
    `${JSON.stringify({ commit: COMMIT, clients: CLIENTS, seconds: SECONDS, results }, null, 2)}\n`,
  );
}
process.exit(exitCode);
