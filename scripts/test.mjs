// `npm test`: every check CI runs, in order: lint, format, types, build, the console's component tests, unit
// and integration tests (with the fast reliability scenarios, and the console in Chromium), then the slow
// reliability scenarios at a tenth of their durations, and the reliability report of both runs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensureChromium,
  ensureDependencies,
  ensureRuntime,
  JEST_NODE_ARGS,
  ensureInfrastructure,
  ROOT,
  runOrFail,
  step,
} from './lib.mjs';

const bin = (path) => join(ROOT, 'node_modules', path);
const only = process.argv.slice(2);

ensureDependencies();
ensureRuntime();
step(`Node ${process.versions.node} (${process.execPath})`);
await ensureInfrastructure({
  databaseUrl: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL,
});

step('Lint (eslint, type-aware)');
runOrFail(process.execPath, [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.']);
step('Format (prettier --check)');
runOrFail(process.execPath, [bin('prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', '.']);
step('Types (tsc --noEmit, strict)');
runOrFail(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
runOrFail(process.execPath, [bin('typescript/bin/tsc'), '-p', 'services/console/web/tsconfig.json']);
runOrFail(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
if (only.length === 0) {
  step("Console component tests (vitest, happy-dom: the pages' forms and the builder's parts)");
  runOrFail(process.execPath, [
    bin('vitest/vitest.mjs'),
    'run',
    '--config',
    'services/console/web/vitest.config.mjs',
  ]);
}

// Both jest runs record their reliability scenarios here; the second prints the report of both. A run of
// chosen tests (`npm test -- <paths>`) makes no report: most rows would be empty.
const env = {
  ...process.env,
  RELIABILITY_SCALE: process.env.RELIABILITY_SCALE || '0.1',
  ...(only.length === 0
    ? { FB_RELIABILITY_DIR: process.env.FB_RELIABILITY_DIR || mkdtempSync(join(tmpdir(), 'fb-reliability-')) }
    : {}),
};
ensureChromium();
step('Tests (jest: unit and integration against real Postgres and Redis)');
runOrFail(process.execPath, [...JEST_NODE_ARGS, '--ci', ...only], {
  env: { ...env, FB_RELIABILITY_PRINT: '0' },
});
if (only.length === 0) {
  step(`Slow reliability scenarios (load, soak; at ${env.RELIABILITY_SCALE}× their durations)`);
  runOrFail(process.execPath, [...JEST_NODE_ARGS, '--ci', '-c', 'jest.reliability.config.js'], { env });
}
