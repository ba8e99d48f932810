// `npm run reliability`: every scenario of RELIABILITY.md at full length (the tests tagged [F1]…[D8], then
// the slow ones), and the report in docs/reliability-report.md. Takes about 20 minutes on 2 cores.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensureDependencies,
  ensureRuntime,
  JEST_NODE_ARGS,
  ensureInfrastructure,
  ROOT,
  run,
  step,
} from './lib.mjs';

ensureDependencies();
ensureRuntime();
await ensureInfrastructure({
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
});
run(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
const env = {
  ...process.env,
  FB_RELIABILITY_DIR: mkdtempSync(join(tmpdir(), 'fb-reliability-')),
  RELIABILITY_SCALE: process.env.RELIABILITY_SCALE || '1',
};
step('Reliability scenarios in the test suite (tests tagged [F…], [L…], [B…], [D…])');
const fast = run(
  process.execPath,
  [...JEST_NODE_ARGS, '--ci', '--maxWorkers=2', '-t', String.raw`\[[FLBD][0-9]+\]`],
  {
    env: { ...env, FB_RELIABILITY_PRINT: '0' },
  },
);
step('Slow reliability scenarios (load, soak, long outages)');
const slow = run(process.execPath, [...JEST_NODE_ARGS, '--ci', '-c', 'jest.reliability.config.js'], {
  env: { ...env, FB_RELIABILITY_REPORT: join(ROOT, 'docs/reliability-report.md') },
});
process.exit(fast === 0 && slow === 0 ? 0 : 1);
