// `npm start`: installs what is missing, finds Postgres and Redis, builds, migrates and runs every service.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensureDatabase,
  ensureDependencies,
  ensureInfrastructure,
  loadDotEnv,
  ROOT,
  runOrFail,
  spawnService,
  step,
} from './lib.mjs';
import { SERVICES } from './services.mjs';

ensureDependencies();

const envFile = join(ROOT, '.env');
if (!existsSync(envFile)) {
  step('Creating .env from .env.example with fresh local secrets');
  copyFileSync(join(ROOT, '.env.example'), envFile);
  const adminKey = `fb_local_${randomBytes(24).toString('base64url')}`;
  const text = readFileSync(envFile, 'utf8')
    .replace(/^ENCRYPTION_KEYS=.*$/m, `ENCRYPTION_KEYS=k1:${randomBytes(32).toString('base64')}`)
    .replace(/^ADMIN_API_KEY=.*$/m, `ADMIN_API_KEY=${adminKey}`);
  writeFileSync(envFile, text, { mode: 0o600 });
  process.stdout.write(`  admin API key for workspace "default" (also in .env): ${adminKey}\n`);
}

const env = { ...loadDotEnv(), ...process.env };
env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
env.REDIS_URL ||= DEFAULT_REDIS_URL;
await ensureInfrastructure({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL });
await ensureDatabase(env.DATABASE_URL);

runOrFail(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
runOrFail(process.execPath, [join(ROOT, 'scripts/migrate.mjs')], { env });

step('Starting services');
const children = new Map();
let stopping = false;
const stopAll = (signal) => {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
};
for (const service of SERVICES) {
  const port = env[service.portVar] || service.port;
  process.stdout.write(
    `  ${service.name.padEnd(20)} http://127.0.0.1:${port}  (health /health/ready${service.docs ? ', docs /docs' : ''})\n`,
  );
  children.set(
    service.name,
    spawnService(service.name, service.entry, env, (name, code, signal) => {
      children.delete(name);
      if (!stopping) {
        process.stderr.write(`${name} exited (${signal ?? code}); stopping the others\n`);
        process.exitCode = 1;
        stopAll('SIGTERM');
      }
      if (children.size === 0) process.exit(process.exitCode ?? 0);
    }),
  );
}
// The Cloud API sandbox, when GRAPH_API_BASE_URL points at this machine: the services send to it, and it
// posts the contact's messages (`npm run chat`) to the webhook.
const graph = new URL(env.GRAPH_API_BASE_URL || 'https://graph.facebook.com');
if (['127.0.0.1', 'localhost', '[::1]'].includes(graph.hostname)) {
  const messagingPort = env.WHATSAPP_MESSAGING_PORT || 3004;
  const sandboxEnv = {
    ...env,
    SANDBOX_PORT: graph.port || '80',
    SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${messagingPort}/webhooks/whatsapp`,
  };
  children.set(
    'sandbox',
    spawnService('sandbox', 'dist/tools/sandbox/src/main.js', sandboxEnv, (name, code, signal) => {
      children.delete(name);
      if (!stopping) process.stderr.write(`${name} exited (${signal ?? code}); the services keep running\n`);
      if (children.size === 0) process.exit(process.exitCode ?? 0);
    }),
  );
}
process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
