// `npm start`: installs what is missing, finds Postgres and Redis, builds, migrates and runs every service.
// `npm start -- --no-build` runs what `npm run build` last built (dist/ must be there).
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensureDatabase,
  ensureDependencies,
  ensureRuntime,
  ensureInfrastructure,
  envFilePath,
  fail,
  loadDotEnv,
  ROOT,
  runOrFail,
  spawnService,
  step,
} from './lib.mjs';
import { seedDemo } from './demo.mjs';
import { nodeOptionsOf, SERVICES } from './services.mjs';

ensureDependencies();
ensureRuntime();

const envFile = envFilePath();
if (!existsSync(envFile)) {
  step(`Creating ${envFile} from .env.example with fresh local secrets`);
  copyFileSync(join(ROOT, '.env.example'), envFile);
  const adminKey = `fb_local_${randomBytes(24).toString('base64url')}`;
  const text = readFileSync(envFile, 'utf8')
    .replace(/^ENCRYPTION_KEYS=.*$/m, `ENCRYPTION_KEYS=k1:${randomBytes(32).toString('base64')}`)
    .replace(/^INTERNAL_KEY=.*$/m, `INTERNAL_KEY=${randomBytes(32).toString('base64')}`)
    .replace(/^OPERATOR_API_KEY=.*$/m, `OPERATOR_API_KEY=fb_op_${randomBytes(24).toString('base64url')}`)
    .replace(/^ADMIN_API_KEY=.*$/m, `ADMIN_API_KEY=${adminKey}`);
  writeFileSync(envFile, text, { mode: 0o600 });
  process.stdout.write(`  admin API key for workspace "default" (also in .env): ${adminKey}\n`);
}

// A .env made before a variable was added gets it now, as a fresh one would.
for (const [name, make] of [
  ['INTERNAL_KEY', () => randomBytes(32).toString('base64')],
  ['OPERATOR_API_KEY', () => `fb_op_${randomBytes(24).toString('base64url')}`],
]) {
  const text = readFileSync(envFile, 'utf8');
  if (!new RegExp(`^${name}=\\S`, 'm').test(text) && !process.env[name]) {
    const line = `${name}=${make()}`;
    const next = new RegExp(`^${name}=.*$`, 'm').test(text)
      ? text.replace(new RegExp(`^${name}=.*$`, 'm'), line)
      : `${text.trimEnd()}\n${line}\n`;
    writeFileSync(envFile, next, { mode: 0o600 });
  }
}

const env = { ...loadDotEnv(), ...process.env };
env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
env.REDIS_URL ||= DEFAULT_REDIS_URL;
// The database is made as the owner: the services' own role may not exist before the first migration.
const ownerUrl = env.DATABASE_MIGRATION_URL || env.DATABASE_URL;
await ensureInfrastructure({ databaseUrl: ownerUrl, redisUrl: env.REDIS_URL });
await ensureDatabase(ownerUrl);

if (!process.argv.includes('--no-build')) runOrFail(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
else if (!existsSync(join(ROOT, 'dist/console-web/index.html')))
  fail('--no-build: dist/ is missing; run npm run build');
runOrFail(process.execPath, [join(ROOT, 'scripts/migrate.mjs')], { env });

// The demo business API is plain http on this machine: the outbound policy must let the demo reach it.
if (env.DEMO !== 'false')
  env.OUTBOUND_ALLOW_HOSTS = [env.OUTBOUND_ALLOW_HOSTS, `127.0.0.1:${env.DEMO_API_PORT || 4555}`]
    .filter(Boolean)
    .join(',');

step('Starting services (Ctrl-C stops them all)');
const children = new Map();
let stopping = false;
const stopAll = (signal) => {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
};
const exited = (essential) => (name, code, signal) => {
  children.delete(name);
  if (!stopping && essential) {
    process.stderr.write(`${name} exited (${signal ?? code}); stopping the others\n`);
    process.exitCode = 1;
    stopAll('SIGTERM');
  } else if (!stopping)
    process.stderr.write(`${name} exited (${signal ?? code}); the services keep running\n`);
  if (children.size === 0) process.exit(process.exitCode ?? 0);
};
const portOf = (service) => env[service.portVar] || service.port;
const messagingUrl = `http://127.0.0.1:${portOf(SERVICES.find((s) => s.name === 'whatsapp-messaging'))}`;
// The Cloud API sandbox, when GRAPH_API_BASE_URL points at this machine: the services send to it, and it
// posts the contact's messages (`npm run chat`) to the webhook.
const graph = new URL(env.GRAPH_API_BASE_URL || 'https://graph.facebook.com');
const sandboxOn = ['127.0.0.1', 'localhost', '[::1]'].includes(graph.hostname);
// Forms' data endpoint: the sandbox, playing WhatsApp on this machine, reaches the messaging service here.
if (sandboxOn) env.PUBLIC_BASE_URL ||= messagingUrl;
for (const service of SERVICES)
  children.set(
    service.name,
    spawnService(
      service.name,
      service.entry,
      { ...env, NODE_OPTIONS: env.NODE_OPTIONS || nodeOptionsOf(service.name) },
      exited(true),
    ),
  );

// The console: the pages, and the four admin APIs behind its one origin.
const consoleUrl = `http://127.0.0.1:${env.CONSOLE_PORT || 3005}`;
const serviceUrl = (name) => `http://127.0.0.1:${portOf(SERVICES.find((s) => s.name === name))}`;
children.set(
  'console',
  spawnService(
    'console',
    'dist/services/console/src/main.js',
    {
      ...env,
      CONSOLE_PORT: env.CONSOLE_PORT || '3005',
      CONNECTIONS_URL: serviceUrl('connections'),
      FLOW_DEFINITION_URL: serviceUrl('flow-definition'),
      WORKER_URL: serviceUrl('worker'),
      WHATSAPP_MESSAGING_URL: serviceUrl('whatsapp-messaging'),
      ...(sandboxOn ? { SANDBOX_URL: graph.origin } : {}),
    },
    exited(false),
  ),
);

if (sandboxOn)
  children.set(
    'sandbox',
    spawnService(
      'sandbox',
      'dist/tools/sandbox/src/main.js',
      { ...env, SANDBOX_PORT: graph.port || '80', SANDBOX_WEBHOOK_URL: `${messagingUrl}/webhooks/whatsapp` },
      exited(false),
    ),
  );
// The demo's business system, unless DEMO=false.
const demoOn = env.DEMO !== 'false';
const demoApiUrl = `http://127.0.0.1:${env.DEMO_API_PORT || 4555}`;
if (demoOn)
  children.set('demo-api', spawnService('demo-api', 'dist/tools/demo-api/src/main.js', env, exited(false)));
process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

// Once every service is ready: the demo workspace, then where everything is.
const urls = Object.fromEntries(SERVICES.map((s) => [s.name, `http://127.0.0.1:${portOf(s)}`]));
const ready = async (url) => {
  for (let i = 0; i < 240 && !stopping; i++) {
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
};
if ((await Promise.all(Object.values(urls).map(ready))).every(Boolean)) {
  let demo = '';
  if (demoOn && sandboxOn && env.ADMIN_API_KEY) {
    try {
      await seedDemo({
        adminKey: env.ADMIN_API_KEY,
        urls,
        demoApiUrl,
      });
      demo = [
        `  demo                 the page's walkthrough is seeded: connection "Customer API", API "Fetch API Data",`,
        `                       the published flow "Order status" and a channel for the sandbox's number`,
        `  chat with it         npm run chat            (say "order status", then any order number; a number picks a button)`,
        `  as a WhatsApp form   npm run chat            (say "form", then "open": the form's footer calls the API)`,
        `  make the API fail    curl -X POST ${demoApiUrl}/demo/fail -H 'content-type: application/json' -d '{"on":true}'`,
        `                       (an order number with "fail" in it fails too; {"on":false} to heal)`,
      ].join('\n');
    } catch (error) {
      demo = `  demo                 not seeded: ${error.message}`;
    }
  }
  process.stdout.write(
    [
      '',
      'Flowbridge is running. Ctrl-C stops everything.',
      `  console              ${consoleUrl}  (sign in with the admin API key)`,
      `  admin API key        ${env.ADMIN_API_KEY || '(none: set ADMIN_API_KEY in .env, or npm run cli -- keys:create)'}  (workspace "${env.ADMIN_WORKSPACE || 'default'}")`,
      `  API docs             ${SERVICES.map((s) => `${urls[s.name]}/docs`).join('  ')}`,
      `  queue dashboard      ${urls.worker}/queues  (any user name; OPERATOR_API_KEY from .env as password)`,
      ...(sandboxOn ? [`  WhatsApp sandbox     ${graph.origin}  (the Cloud API stand-in)`] : []),
      ...(demoOn ? [`  demo business API    ${demoApiUrl}/orders/A-1001`] : []),
      ...(demo ? [demo] : []),
      '',
    ].join('\n'),
  );
}
