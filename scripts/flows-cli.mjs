// `npm run cli -- flows:export <flowId> [--version N] [--out bundle.json]` and
// `npm run cli -- flows:import <bundle.json> [--name "New name"] [--secrets secrets.json] [--channel <id>]...`:
// GET /flows/:id/export and POST /flows/import on files, through the generated admin client. The key is
// ADMIN_API_KEY (its workspace is the one exported from or imported into); the flow-definition service is at
// FLOWBRIDGE_FLOWS_URL (default http://127.0.0.1:$FLOW_DEFINITION_PORT, 3002).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadAdminClient } from './lib.mjs';

function option(args, name) {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

function options(args, name) {
  return args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
}

/** Runs a flows:* command; the exit code. */
export async function flowsCommand(args, env) {
  const { createAdminClient, AdminApiError, must } = loadAdminClient();
  if (!env.ADMIN_API_KEY) {
    process.stderr.write('ADMIN_API_KEY is not set (in .env or the environment): it says which workspace\n');
    return 64;
  }
  const api = createAdminClient({
    adminKey: env.ADMIN_API_KEY,
    baseUrl: env.FLOWBRIDGE_FLOWS_URL || `http://127.0.0.1:${env.FLOW_DEFINITION_PORT || 3002}`,
  });
  const [command, target] = args;
  try {
    if (command === 'flows:export' && target) {
      const version = option(args, '--version');
      const bundle = must(
        await api.GET('/flows/{id}/export', {
          params: { path: { id: target }, query: version ? { version: Number(version) } : {} },
        }),
      );
      const text = `${JSON.stringify(bundle, null, 2)}\n`;
      const out = option(args, '--out');
      if (out) {
        writeFileSync(out, text);
        const secrets = [...bundle.connections, ...bundle.apis].flatMap((e) => e.requiredSecrets);
        process.stdout.write(
          `Exported "${bundle.flow.name}" with ${bundle.apis.length} API(s) on ${bundle.connections.length} ` +
            `connection(s) to ${out}${secrets.length ? `; not exported, give them on import: ${secrets.join(', ')}` : ''}\n`,
        );
      } else process.stdout.write(text);
      return 0;
    }
    if (command === 'flows:import' && target) {
      const secretsFile = option(args, '--secrets');
      const channelIds = options(args, '--channel');
      const imported = must(
        await api.POST('/flows/import', {
          body: {
            bundle: JSON.parse(readFileSync(target, 'utf8')),
            ...(option(args, '--name') ? { name: option(args, '--name') } : {}),
            ...(secretsFile ? { secrets: JSON.parse(readFileSync(secretsFile, 'utf8')) } : {}),
            ...(channelIds.length ? { channelIds } : {}),
          },
        }),
      );
      process.stdout.write(
        `Imported "${imported.flow.name}" as a draft: ${imported.flow.id}\n` +
          `  created: ${describe(imported.created)}\n  matched: ${describe(imported.matched)}\n` +
          `  publish it: POST /flows/${imported.flow.id}/publish\n`,
      );
      return 0;
    }
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    process.stderr.write(`${error.message}\n`);
    for (const p of error.body?.problems ?? [])
      process.stderr.write(`  ${p.code} ${p.field}: ${p.message}\n`);
    return 1;
  }
  process.stderr.write(
    'usage: flows:export <flowId> [--version N] [--out file]\n' +
      '       flows:import <file> [--name "New name"] [--secrets secrets.json] [--channel <channelId>]...\n',
  );
  return 64;
}

function describe({ connections, apis }) {
  const parts = [
    connections.length ? `connections ${connections.map((c) => `"${c}"`).join(', ')}` : '',
    apis.length ? `APIs ${apis.map((a) => `"${a}"`).join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'nothing';
}
