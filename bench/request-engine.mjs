#!/usr/bin/env node
// The request engine against bare axios, in one process, against one local keep-alive JSON server.
// Both sides send the same request (GET /orders/123 with a bearer token) at the same concurrency; the
// rounds alternate so that machine noise falls on both. Prints requests per second, latency and the ratio.
//
//   npm run bench                      (builds first)
//   node bench/request-engine.mjs --requests 20000 --concurrency 32 --rounds 3 --no-build
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Agent, createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);

if (!args['no-build']) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const require = createRequire(import.meta.url);
const axios = require('axios');
const { Redis } = require('ioredis');
const { RequestEngine, parseAllowList } = require(join(root, 'dist/libs/outbound/src/index.js'));

const body = JSON.stringify({ id: 123, status: 'shipped', items: [{ name: 'Tea', qty: 2 }], paid: true });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const origin = `http://127.0.0.1:${port}`;

// The engine needs Redis only for OAuth2 and rate limits, which this run does not use: it never connects.
const redis = new Redis({ lazyConnect: true });
const engine = new RequestEngine({ allowList: parseAllowList([`127.0.0.1:${port}`]), redis });
const connection = {
  id: '00000000-0000-4000-8000-000000000001',
  workspaceId: 'bench',
  title: 'Bench',
  baseUrl: origin,
  auth: { type: 'bearer', token: 'bench-token-123456' },
  headers: {},
  secretHeaders: [],
  timeoutMs: 10_000,
  retry: { attempts: 1, backoff: 'fixed', delayMs: 0, maxDelayMs: 0 },
  rateLimit: null,
  updatedAt: new Date(0).toISOString(),
};
const api = {
  id: '00000000-0000-4000-8000-000000000002',
  workspaceId: 'bench',
  name: 'Fetch',
  method: 'GET',
  path: '/orders/{{order_id}}',
  query: {},
  headers: {},
  secretHeaders: [],
  body: null,
  successWhen: { status: ['2xx'] },
  responseMapping: { status: 'data.status' },
  idempotencyKey: false,
  timeoutMs: 10_000,
  retry: connection.retry,
  updatedAt: connection.updatedAt,
};

const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
const bare = axios.create({ httpAgent: agent, proxy: false });

const contenders = {
  'bare axios': async () => {
    const res = await bare.get(`${origin}/orders/123`, {
      headers: { authorization: 'Bearer bench-token-123456' },
    });
    if (res.status !== 200 || res.data.status !== 'shipped') throw new Error('bad response');
  },
  'request engine': async () => {
    const result = await engine.attempt({
      connection,
      api,
      variables: { order_id: 123 },
      attempt: 1,
      countedAttempts: 0,
      startedAt: Date.now(),
    });
    if (result.response.status !== 'success' || result.variables.status !== 'shipped')
      throw new Error(`bad response: ${JSON.stringify(result.response.error)}`);
  },
};

async function run(call) {
  const latencies = new Float64Array(REQUESTS);
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await call();
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort();
  return {
    rate: REQUESTS / seconds,
    p50: latencies[Math.floor(REQUESTS * 0.5)],
    p99: latencies[Math.floor(REQUESTS * 0.99)],
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `request engine vs bare axios: ${REQUESTS} requests × ${ROUNDS} rounds, concurrency ${CONCURRENCY}, Node ${process.version}`,
);
for (const call of Object.values(contenders)) await run(call); // warm-up: JIT, sockets
const results = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, call] of Object.entries(contenders)) results[name].push(await run(call));
}

const summary = {};
for (const [name, rounds] of Object.entries(results)) {
  summary[name] = {
    rate: median(rounds.map((r) => r.rate)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
  };
  const s = summary[name];
  console.log(
    `${name.padEnd(16)} ${s.rate.toFixed(0).padStart(7)} req/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms`,
  );
}
const ratio = summary['request engine'].rate / summary['bare axios'].rate;
console.log(`ratio engine / bare axios: ${(ratio * 100).toFixed(1)}% (target ≥ 85%)`);

engine.close();
agent.destroy();
redis.disconnect();
server.close();
