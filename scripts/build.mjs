// Compiles every service and lib into dist/ (tsc), then rewrites @flowbridge/* imports to relative paths.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, ROOT, runOrFail, step } from './lib.mjs';

ensureDependencies();
step('Building (tsc + tsc-alias)');
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
runOrFail(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
runOrFail(process.execPath, [
  join(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'),
  '-p',
  'tsconfig.build.json',
]);
