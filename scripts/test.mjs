// `npm test`: every check CI runs, in order: lint, format, types, build, unit and integration tests.
import { join } from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensureDependencies,
  ensureInfrastructure,
  ROOT,
  runOrFail,
  step,
} from './lib.mjs';

const bin = (path) => join(ROOT, 'node_modules', path);

ensureDependencies();
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
runOrFail(process.execPath, [join(ROOT, 'scripts/build.mjs')]);
step('Tests (jest: unit and integration against real Postgres and Redis)');
runOrFail(process.execPath, [bin('jest/bin/jest.js'), '--ci', ...process.argv.slice(2)]);
