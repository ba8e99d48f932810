// Applies every service's migrations (after a build). docker-compose runs the same as a one-shot service.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDotEnv, ROOT, runOrFail, step, fail } from './lib.mjs';
import { MIGRATIONS } from './services.mjs';

const env = { ...loadDotEnv(), ...process.env };
for (const migration of MIGRATIONS) {
  if (!existsSync(join(ROOT, migration.args[0])))
    fail(`${migration.args[0]} is missing: run \`npm run build\` first`);
  step(`Migrating ${migration.name}`);
  runOrFail(process.execPath, migration.args, { env });
}
