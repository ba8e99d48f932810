// `npm run cli -- <command>`: the admin CLI with .env applied, as `npm start` applies it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail, loadDotEnv, ROOT, run } from './lib.mjs';

const cli = join(ROOT, 'dist/services/connections/src/cli.js');
if (!existsSync(cli)) fail('dist/ is missing: run `npm run build` first');
process.exitCode = run(process.execPath, [cli, ...process.argv.slice(2)], {
  env: { ...loadDotEnv(), ...process.env },
});
