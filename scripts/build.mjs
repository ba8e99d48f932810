// Compiles every service and lib into dist/ (tsc), then rewrites @flowbridge/* imports to relative paths.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, ROOT, runOrFail, step } from './lib.mjs';

ensureDependencies();
// `--if-missing`: a tool that only needs some build (the chat) skips the ~30 s when dist/ is there.
if (process.argv.includes('--if-missing') && existsSync(join(ROOT, 'dist/tools/sandbox/src/chat.js')))
  process.exit(0);
step('Building (tsc + tsc-alias)');
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
runOrFail(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
runOrFail(process.execPath, [
  join(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'),
  '-p',
  'tsconfig.build.json',
]);
// The console's pages (React, built by Vite into dist/console-web, which the console service serves).
runOrFail(process.execPath, [
  join(ROOT, 'node_modules/vite/bin/vite.js'),
  'build',
  '--config',
  'services/console/web/vite.config.mjs',
]);
