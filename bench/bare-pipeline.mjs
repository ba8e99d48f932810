// The bare pipeline: the product's hops and process split with no database and no product code, the ceiling
// `npm run bench` measures Flowbridge against (issue 18). Three processes, one per role:
//   ingest:  node:http; checks the webhook's signature over the raw bytes, parses it, adds one BullMQ job
//   worker:  takes it (concurrency 32), calls the business API (keep-alive), adds one BullMQ job
//   sender:  takes that (concurrency 16), posts the text message to the Cloud API (the sandbox)
// `node bench/bare-pipeline.mjs <role>` with BARE_* variables; the ingest process prints `port=<n>`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Queue, Worker } = require('bullmq');

const env = process.env;
const url = new URL(env.BARE_REDIS_URL ?? 'redis://127.0.0.1:6379');
const connection = {
  host: url.hostname,
  port: Number(url.port || 6379),
  password: url.password ? decodeURIComponent(url.password) : undefined,
  maxRetriesPerRequest: null,
};
const prefix = env.BARE_PREFIX;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const keep = { removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 } };

/** One HTTP exchange over the keep-alive agent; resolves with the status once the body is read. */
function exchange(target, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(target, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const role = process.argv[2];
if (role === 'ingest') {
  const queue = new Queue('bare-triggers', { prefix, connection });
  const secret = env.BARE_APP_SECRET;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const expected = createHmac('sha256', secret).update(raw).digest();
      const given = Buffer.from(String(req.headers['x-hub-signature-256']).slice(7), 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return res.writeHead(401).end();
      const message = JSON.parse(raw.toString('utf8')).entry[0].changes[0].value.messages[0];
      await queue.add('trigger', { from: message.from }, { jobId: message.id.replace(/:/g, '-'), ...keep });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port=${server.address().port}\n`));
} else if (role === 'worker') {
  const navigation = new Queue('bare-navigation', { prefix, connection });
  new Worker(
    'bare-triggers',
    async (job) => {
      const status = await exchange(`${env.BARE_BUSINESS_URL}/orders/${job.data.from}`, 'GET', {});
      await navigation.add(
        'navigation',
        { to: job.data.from, ok: status === 200 },
        { jobId: `nav-${job.id}`, ...keep },
      );
    },
    { prefix, connection, concurrency: 32 },
  );
} else if (role === 'sender') {
  new Worker(
    'bare-navigation',
    async (job) => {
      const body = JSON.stringify({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: job.data.to,
        type: 'text',
        text: { body: job.data.ok ? 'Your order is shipped.' : 'Sorry.' },
      });
      const status = await exchange(
        `${env.BARE_GRAPH_URL}/v24.0/${env.BARE_PHONE_NUMBER_ID}/messages`,
        'POST',
        { 'content-type': 'application/json', authorization: `Bearer ${env.BARE_ACCESS_TOKEN}` },
        body,
      );
      if (status !== 200) throw new Error(`the Cloud API answered ${status}`);
    },
    { prefix, connection, concurrency: 16 },
  );
} else {
  process.stderr.write('usage: node bench/bare-pipeline.mjs ingest|worker|sender\n');
  process.exit(64);
}
