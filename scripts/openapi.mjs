// `npm run openapi`: writes docs/openapi/*.json and the client's types (libs/api-client/src/schema.ts) from
// what the services declare; `-- --check` only says which committed file differs. It compiles the services
// and the generator alone (tools/openapi/tsconfig.json), not what uses the client: a change that breaks the
// client's users can still regenerate the client they are then fixed against.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, ensureRuntime, ROOT, runOrFail, step } from './lib.mjs';

ensureDependencies();
ensureRuntime();
step('Compiling the services and the OpenAPI generator');
const project = join(ROOT, 'tools/openapi/tsconfig.json');
rmSync(join(ROOT, 'dist/openapi'), { recursive: true, force: true });
runOrFail(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project]);
runOrFail(process.execPath, [join(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'), '-p', project]);
step('Generating');
runOrFail(process.execPath, [
  join(ROOT, 'dist/openapi/tools/openapi/src/main.js'),
  `--root=${ROOT}`,
  ...process.argv.slice(2),
]);
