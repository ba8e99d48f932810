#!/usr/bin/env node
// Flowbridge's Redis rate limiter (GCRA, libs/platform/src/redis/rate-limit.ts) beside rate-limiter-flexible's
// RateLimiterRedis, the maintained library the issue proposed, on the same Redis, in one run. Each side keeps a
// limit of RATE requests per second for two clients (two processes' worth of connections) that ask as fast as
// they may, as a business API connection's limit is used; printed: the most requests let through in any sliding
// second (what a business API with that limit sees), the steady rate, and Redis round trips per request.
//
//   npm run bench:rate-limit            (builds first)
//   node bench/rate-limit.mjs --rate 50 --seconds 4 --no-build
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '4' },
    'no-build': { type: 'boolean', default: false },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

if (!args['no-build']) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const require = createRequire(import.meta.url);
const { Redis } = require('ioredis');
const { RateLimiterRedis } = require('rate-limiter-flexible');
const { RedisRateLimiter } = require(join(root, 'dist/libs/platform/src/index.js'));

const run = randomBytes(4).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Both sides as each limiter is used: "a slot, when to go" (taken: go after `waitMs`) or "refused, try again
 * after `waitMs`". Flowbridge's gives an attempt a slot up to a second away (as the request engine does).
 */
const sides = {
  'Flowbridge GCRA': (client) => {
    const limiter = new RedisRateLimiter(client, `bench-rl-${run}:gcra:`);
    return (key) => limiter.reserve(key, RATE, 1000);
  },
  'rate-limiter-flexible': (client) => {
    const limiter = new RateLimiterRedis({
      storeClient: client,
      points: RATE,
      duration: 1,
      keyPrefix: `bench-rl-${run}:rlf`,
    });
    return (key) =>
      limiter.consume(key).then(
        () => ({ taken: true, waitMs: 0 }),
        (refused) => {
          if (typeof refused?.msBeforeNext !== 'number') throw refused;
          return { taken: false, waitMs: Math.max(1, refused.msBeforeNext) };
        },
      );
  },
};

/** Scripts run so far (each side makes one script call, EVALSHA, per request: one round trip). */
async function scriptCalls(client) {
  const stats = await client.info('commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Two clients asking as fast as allowed for SECONDS: every grant's time, and the requests made. */
async function measure(make) {
  const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const admin = new Redis(REDIS_URL);
  const acquires = clients.map(make);
  const key = `k-${randomBytes(3).toString('hex')}`;
  const grants = [];
  let asked = 0;
  const before = await scriptCalls(admin);
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    acquires.map(async (acquire) => {
      while (performance.now() < end) {
        asked += 1;
        const slot = await acquire(key);
        if (slot.waitMs > 0) await sleep(slot.waitMs);
        if (slot.taken) grants.push(performance.now());
      }
    }),
  );
  const calls = (await scriptCalls(admin)) - before;
  await Promise.all([...clients, admin].map((c) => c.quit()));
  grants.sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < grants.length; i++) {
    while (grants[i] - grants[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  // The steady rate: after the first second (both allow a first second's burst).
  const steady = grants.filter((t) => t >= grants[0] + 1000).length / (SECONDS - 1);
  return { most, steady, perRequest: calls / asked, asked, granted: grants.length };
}

const results = {};
for (const round of [1, 2])
  for (const [name, make] of Object.entries(sides)) {
    const r = await measure(make);
    results[name] = results[name] && results[name].most >= r.most ? results[name] : r;
    console.log(
      `round ${round}  ${name.padEnd(22)} most in any second ${String(r.most).padStart(4)} (limit ${RATE})` +
        `  steady ${r.steady.toFixed(1)}/s  ${r.perRequest.toFixed(2)} Redis round trips per request (${r.asked} asked)`,
    );
  }
const ours = results['Flowbridge GCRA'];
const theirs = results['rate-limiter-flexible'];
console.log(
  `\nworst second over ${SECONDS} s at ${RATE}/s: GCRA ${ours.most} (${((ours.most / RATE) * 100).toFixed(0)}% of the limit), ` +
    `rate-limiter-flexible ${theirs.most} (${((theirs.most / RATE) * 100).toFixed(0)}%)`,
);
