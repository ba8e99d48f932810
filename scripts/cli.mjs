// `npm run cli -- <command>`: the admin CLI with .env applied, as `npm start` applies it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { flowsCommand } from './flows-cli.mjs';
import { fail, loadDotEnv, ROOT, run } from './lib.mjs';

const cli = join(ROOT, 'dist/services/connections/src/cli.js');
if (!existsSync(cli)) fail('dist/ is missing: run `npm run build` first');
const env = { ...loadDotEnv(), ...process.env };
const args = process.argv.slice(2);
// flows:export / flows:import talk to the running service (HTTP); the rest run against the database.
if (args[0]?.startsWith('flows:')) process.exitCode = await flowsCommand(args, env);
else process.exitCode = run(process.execPath, [cli, ...args], { env });
// Secrets live in two services: the channels' tokens and app secrets are the messaging service's.
if (process.exitCode === 0 && args[0] === 'secrets:rotate')
  process.exitCode = run(
    process.execPath,
    [join(ROOT, 'dist/services/whatsapp-messaging/src/cli.js'), ...args],
    {
      env,
    },
  );
