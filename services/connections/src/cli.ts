import 'reflect-metadata';
import { parseArgs } from 'node:util';
import {
  ApiKeysService,
  ConfigError,
  loadConfig,
  PlatformConfig,
  runMigrations,
  scopedDataSource,
  SecretBox,
  Tenancy,
} from '@flowbridge/platform';
import type { DataSource } from 'typeorm';
import { ApiEntity } from './apis/api.entity';
import { ConnectionEntity } from './connections/connection.entity';
import { ConnectionsConfig } from './connections.config';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from './migrations';
import { rotateSecrets } from './rotation/rotate-secrets';
import { ApiKeyEntity } from '@flowbridge/platform';

const USAGE = `Flowbridge admin CLI (connections service)

  migrate                                   apply the platform's and the connections service's migrations
  keys:create --workspace <id> [--name <n>] create an admin API key; it is printed once
  keys:list [--workspace <id>]              list keys (never the keys themselves)
  keys:revoke --id <key id>                 revoke a key
  secrets:rotate [--dry-run]                re-encrypt every connection and API secret with the first key of
                                            ENCRYPTION_KEYS ("npm run cli -- secrets:rotate" then does the
                                            channels' tokens and app secrets too)
`;

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

async function withDataSource<T>(config: PlatformConfig, run: (ds: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await scopedDataSource({
    type: 'postgres',
    url: config.DATABASE_URL,
    schema: CONNECTIONS_SCHEMA,
    entities: [ApiKeyEntity, ConnectionEntity, ApiEntity],
    applicationName: 'flowbridge-cli',
  });
  try {
    // Operator commands act on every workspace (keys:list without --workspace, secrets:rotate).
    return await Tenancy.acrossWorkspaces(() => run(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (!command || values.help) {
    out(USAGE);
    return command ? 0 : 64;
  }
  switch (command) {
    case 'migrate': {
      const config = loadConfig(PlatformConfig);
      const applied = await runMigrations({
        databaseUrl: config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL,
        appUrl: config.DATABASE_URL,
        service: 'connections',
        schema: CONNECTIONS_SCHEMA,
        migrations: CONNECTIONS_MIGRATIONS,
        log: out,
      });
      out(
        applied.length
          ? `connections: ${applied.length} migration(s) applied`
          : 'connections: schema up to date',
      );
      return 0;
    }
    case 'keys:create': {
      if (!values.workspace) return fail('keys:create needs --workspace <id>');
      const config = loadConfig(PlatformConfig);
      const { key, summary } = await withDataSource(config, (ds) =>
        new ApiKeysService(ds).create(values.workspace as string, values.name ?? 'created by CLI'),
      );
      out(
        `Created key ${summary.id} for workspace ${summary.workspaceId}. Store it now; it is not shown again:`,
      );
      out(key);
      return 0;
    }
    case 'keys:list': {
      const config = loadConfig(PlatformConfig);
      const keys = await withDataSource(config, (ds) => new ApiKeysService(ds).list(values.workspace));
      for (const k of keys) {
        out(`${k.id}  ${k.workspaceId}  ${k.prefix}…  ${k.revokedAt ? 'revoked' : 'active'}  ${k.name}`);
      }
      return 0;
    }
    case 'keys:revoke': {
      if (!values.id) return fail('keys:revoke needs --id <key id>');
      const config = loadConfig(PlatformConfig);
      const revoked = await withDataSource(config, (ds) =>
        new ApiKeysService(ds).revoke(values.id as string),
      );
      if (!revoked) return fail(`no active key with id ${values.id}`);
      out(`Revoked key ${values.id}`);
      return 0;
    }
    case 'secrets:rotate': {
      const config = loadConfig(ConnectionsConfig);
      const box = new SecretBox(config.ENCRYPTION_KEYS);
      const report = await withDataSource(config, (ds) =>
        rotateSecrets(ds, box, { dryRun: values['dry-run'] }),
      );
      const verb = values['dry-run'] ? 'would re-encrypt' : 're-encrypted';
      out(
        `${verb} ${report.secrets} secret(s) in ${report.connections} connection(s) and ${report.apis} API(s) with key "${box.currentKeyId}"`,
      );
      return 0;
    }
    default:
      return fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 64;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(error instanceof ConfigError ? 78 : 1);
  },
);
