// What the benchmarks share: starting a compiled service as a process, the admin API, a throwaway database.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATABASE_URL, loadAdminClient, ROOT } from '../scripts/lib.mjs';
import { nodeOptionsOf } from '../scripts/services.mjs';

export function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `dist/services/<name>/src/main.js` on a free port (or `port`) and waits for /health/ready. `profile`:
 * the V8 CPU-profile flags to run it with (BENCH_PROFILE=<dir>).
 */
export async function startService(name, portVar, env, { profile = false, port } = {}) {
  port ??= await freePort();
  const flags = [
    ...(profile && process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : []),
    // V8 flags NODE_OPTIONS does not take (e.g. --single-threaded-gc), for trying them.
    ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'dist/services', name, 'src/main.js')], {
    // Production's heap settings unless the run gives its own (BENCH_NODE_OPTIONS=… becomes NODE_OPTIONS).
    env: { NODE_OPTIONS: nodeOptionsOf(name), ...env, [portVar]: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const service = { name, child, port, url: `http://127.0.0.1:${port}` };
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${service.url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return service;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready`);
}

/**
 * The generated admin client (libs/api-client, built into dist/) with the bench's key, on the services it
 * started (by service name; a service the bench does not run is never asked). `must` throws with the answer's
 * code and field on anything but 2xx.
 */
export function adminClient(adminKey, services) {
  const { createAdminClient, must } = loadAdminClient();
  const urls = Object.fromEntries(services.map((s) => [s.name, s.url]));
  const none = 'http://127.0.0.1:9';
  const api = createAdminClient({
    adminKey,
    baseUrl: {
      connections: urls.connections ?? none,
      'flow-definition': urls['flow-definition'] ?? none,
      'whatsapp-messaging': urls['whatsapp-messaging'] ?? none,
      worker: urls.worker ?? none,
    },
  });
  return { api, must };
}

/**
 * The business API every bench calls: the connection "Bench API" on the bench's business server and its API
 * "Fetch API Data" at `path`; the API as created.
 */
export async function createBenchApi({ api, must }, business, path) {
  const connection = must(
    await api.POST('/connections', {
      body: { title: 'Bench API', baseUrl: `http://127.0.0.1:${business.address().port}` },
    }),
  );
  return must(
    await api.POST('/apis', { body: { name: 'Fetch API Data', connectionId: connection.id, path } }),
  );
}

/** Linux's USER_HZ: /proc reports CPU time in these. */
export const CPU_TICKS_PER_SECOND = 100;

/**
 * What each process has asked of the kernel so far (Linux /proc), by pid: CPU ticks (user + system), system
 * ticks, read and write system calls, and context switches (voluntary: it waited; involuntary: it was
 * preempted). A hop between processes costs a write, a read and a wake-up on each side, whatever it carries.
 * Services (by name), Postgres' and Redis' processes, and this one (the bench driver with the sandbox and the
 * business API).
 */
export function processSnapshot(services) {
  const snapshot = new Map();
  const add = (name, pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const field = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
      snapshot.set(pid, {
        name,
        ticks: Number(fields[11]) + Number(fields[12]),
        systemTicks: Number(fields[12]),
        reads: field(io, 'syscr'),
        writes: field(io, 'syscw'),
        switches: field(status, 'voluntary_ctxt_switches') + field(status, 'nonvoluntary_ctxt_switches'),
      });
    } catch {
      // gone
    }
  };
  for (const service of services) add(service.name, service.child.pid);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') add('postgres', Number(pid));
    else if (comm === 'redis-server') add('redis', Number(pid));
  }
  add('bench driver + sandbox + business API', process.pid);
  return snapshot;
}

/**
 * Between two snapshots, by name: what the processes alive at the second did since the first (a process started
 * in between counts from its start; one that ended in between is left out, rather than subtracted).
 */
export function processDelta(before, after) {
  const zero = { ticks: 0, systemTicks: 0, reads: 0, writes: 0, switches: 0 };
  const delta = new Map();
  for (const [pid, a] of after) {
    const b = before.get(pid) ?? zero;
    const d = delta.get(a.name) ?? { ...zero };
    for (const key of Object.keys(d)) d[key] += a[key] - b[key];
    delta.set(a.name, d);
  }
  return delta;
}

/** Builds the project first, unless the bench was run with --no-build; exits with the build's failure. */
export function buildUnless(noBuild) {
  if (noBuild) return;
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

/**
 * What was measured: the commit, marked when the tree had uncommitted changes (but for earlier runs' results in
 * bench/results, which a run writes and the next one would otherwise count).
 */
export function measuredCommit() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const sha = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results');
  return changed ? `${sha} (with uncommitted changes)` : sha;
}

/**
 * A throwaway database for one run, named `name` on DATABASE_URL's server: `url` for migrations (its owner),
 * `appUrl` for the services (their own role, under row-level security, as deployed), and `drop()`.
 */
export function benchDatabase(name) {
  const owner = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  owner.pathname = `/${name}`;
  const app = new URL(owner);
  app.username = 'flowbridge_app';
  app.password = '';
  return {
    url: owner.toString(),
    appUrl: app.toString(),
    async drop() {
      const { default: pg } = await import('pg');
      const admin = new URL(owner);
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** p50, p95 and p99 of a list of numbers (NaN when it is empty). */
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/**
 * The tables autovacuum would take now, by its own rule and the server's settings (PostgreSQL 15): vacuum when
 * the dead rows pass `autovacuum_vacuum_threshold` + `_scale_factor` × the table's rows, or the rows inserted
 * since the last vacuum pass the insert threshold; analyze when the rows changed since the last analyze pass
 * `autovacuum_analyze_threshold` + `_scale_factor` × its rows.
 */
const AUTOVACUUM_DUE = `
  SELECT format('%I.%I', s.schemaname, s.relname) AS name,
         s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
                        + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0)
      OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8
                        + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * greatest(c.reltuples, 0)
         AS vacuum,
         s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                        + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
         AS analyze
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid`;

/**
 * What autovacuum does for a production database, for a machine whose Postgres runs without it (this one:
 * STACK.md): every `everyMs` (autovacuum's naptime is a minute; the bench's rows last seconds), each table of
 * the bench's database that autovacuum would take by its own rule (AUTOVACUUM_DUE) is vacuumed or analyzed, one
 * at a time. Without it the tables never get statistics and their dead rows are never cleaned, which no
 * deployment should look like; with it the planner (and every cached plan, which an ANALYZE invalidates) sees
 * the tables as they grow. Until 2026-12-07 it ran `VACUUM (ANALYZE)` of the whole database each time, whose
 * cost grew with the database through a run (29 → 183 ms of CPU a second at rest), far beyond autovacuum's.
 * Its CPU counts in Postgres', as autovacuum's would. Returns a stop function resolving to the vacuums and
 * analyzes done.
 */
export async function autovacuumStandIn(url, everyMs = 10_000) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const done = { vacuums: 0, analyzes: 0 };
  const pass = async () => {
    const { rows } = await client.query(AUTOVACUUM_DUE);
    for (const table of rows) {
      if (table.vacuum) {
        await client.query(`VACUUM ${table.analyze ? '(ANALYZE) ' : ''}${table.name}`);
        done.vacuums++;
      } else if (table.analyze) await client.query(`ANALYZE ${table.name}`);
      if (table.analyze) done.analyzes++;
    }
  };
  // A pass that fails is reported and the next one runs: nothing is left rejected.
  const guarded = () =>
    pass().catch((error) => void process.stderr.write(`autovacuum stand-in: ${error.message}\n`));
  let running = guarded();
  const timer = setInterval(() => {
    running = running.then(guarded);
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await running;
    await client.end();
    return done;
  };
}

/** The kinds of work `perfBreakdown` sorts a sample into, in the order the report prints them. */
export const PERF_KINDS = [
  'JS code',
  'V8 builtins',
  'GC',
  'compiler',
  'V8 other',
  'Node, libuv',
  'libc',
  'Postgres',
  'Redis',
  'kernel',
  'other',
];

/**
 * BENCH_PERF=1: Linux `perf` samples every CPU (499 Hz) while the returned recording runs. Unlike V8's CPU
 * profiles, which sample a process's stack on a wall clock (a process waiting in `writev` for the scheduler shows
 * as busy there), these are the machine's real CPU time, the kernel's and V8's background threads' included.
 * The recording's `stop` gives undefined when `perf` cannot record here (not installed, not permitted).
 */
export function startPerf() {
  const file = join(tmpdir(), `fb-perf-${process.pid}-${Date.now()}.data`);
  const child = spawn('perf', ['record', '-F', '499', '-a', '-q', '-o', file], { stdio: 'ignore' });
  // perf ends on the SIGINT that stops it, its data written; a perf that cannot record here exits with a code.
  const recorded = new Promise((resolve) =>
    child
      .once('exit', (code, signal) => resolve(code === 0 || signal === 'SIGINT'))
      .once('error', () => resolve(false)),
  );
  return {
    /** Stops the recording; the samples by process name and kind (`perfBreakdown`), or undefined if it failed. */
    async stop(names) {
      child.kill('SIGINT');
      try {
        return (await recorded) ? perfBreakdown(file, names) : undefined;
      } finally {
        rmSync(file, { force: true });
      }
    },
  };
}

/**
 * A recording's samples by process (`names`: pid → name; the rest are "other processes", the idle CPU is "idle")
 * and, within each, by kind of work: the symbol a sample landed in says whether it was the JIT's code (no
 * symbol: V8 writes no perf map here), V8's builtins (the interpreter and inline caches among them), its garbage
 * collector, its compilers, Node and libuv, libc, Postgres' or Redis' own code, or the kernel.
 */
export function perfBreakdown(file, names) {
  const script = spawnSync('perf', ['script', '-i', file, '-F', 'comm,pid,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (script.status !== 0) return undefined;
  /** Samples by process name, then by kind (plain objects: the results are written as JSON). */
  const byProcess = {};
  /** Samples of the processes that are not the bench's, by command name: what else the machine ran. */
  const others = {};
  let total = 0;
  for (const line of script.stdout.split('\n')) {
    const m = /^\s*(.+?)\s+(\d+)\s+[0-9a-f]+\s+(.*?)\s*\(([^)]*)\)\s*$/.exec(line);
    if (!m) continue;
    const [, comm, pid, symbol, dso] = m;
    const name = pid === '0' ? 'idle' : (names.get(Number(pid)) ?? 'other processes');
    if (name === 'other processes') others[comm] = (others[comm] ?? 0) + 1;
    const kinds = (byProcess[name] ??= {});
    const kind = kindOf(symbol, dso);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    total++;
  }
  return { total, byProcess, others };
}

function kindOf(symbol, dso) {
  if (dso.includes('kernel')) return 'kernel';
  if (dso.endsWith('/postgres')) return 'Postgres';
  if (dso.includes('redis')) return 'Redis';
  if (/lib(c|m|stdc\+\+|pthread)[.-]/.test(dso)) return 'libc';
  if (symbol === '[unknown]' || symbol === '' || dso.startsWith('/tmp/perf-') || dso === '[unknown]')
    return 'JS code';
  if (symbol.startsWith('Builtins_')) return 'V8 builtins';
  if (
    /^v8::internal::.*(Scaveng|Mark|Sweep|Evacuat|Compactor|GCTracer|MemoryAllocator|RememberedSet|SlotSet|Heap::|HeapObject::SizeFromMap|FreeList|PagedSpace|LargeObject|MinorMS|BodyDescriptor|WeakObjects|MemoryChunk|MutablePageMetadata)/.test(
      symbol,
    )
  )
    return 'GC';
  if (
    /^v8::internal::(compiler|maglev|baseline|interpreter::Bytecode|Parser|Scanner|Compiler|Zone)/.test(
      symbol,
    )
  )
    return 'compiler';
  if (symbol.startsWith('v8::') || symbol.startsWith('cppgc::')) return 'V8 other';
  if (/^(node::|uv_|uv__|llhttp|simdutf|nghttp|ada::)/.test(symbol)) return 'Node, libuv';
  return 'other';
}
