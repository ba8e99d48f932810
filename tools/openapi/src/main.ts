import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientTypes } from './client-types';
import { allSpecs } from './specs';

/**
 * Writes the OpenAPI documents the services generate into docs/openapi/ and the client's types into
 * libs/api-client (`npm run openapi`), or with `--check` says which committed file differs from them.
 */
async function main(): Promise<void> {
  const root = process.argv.find((a) => a.startsWith('--root='))?.slice('--root='.length) ?? process.cwd();
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  const specs = await allSpecs();
  const files: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(specs).map(([file, spec]) => [
        `docs/openapi/${file}`,
        `${JSON.stringify(spec, null, 2)}\n`,
      ]),
    ),
    'libs/api-client/src/schema.ts': await clientTypes(specs['admin-api.json']),
  };
  mkdirSync(join(root, 'docs/openapi'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    const path = join(root, file);
    if (check) {
      let committed = '';
      try {
        committed = readFileSync(path, 'utf8');
      } catch {
        // missing counts as different
      }
      if (committed !== text) stale.push(file);
    } else writeFileSync(path, text);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `these differ from what the services generate: ${stale.join(', ')}. Run npm run openapi.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    check ? 'the OpenAPI documents are up to date\n' : `wrote ${Object.keys(files).join(', ')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});
