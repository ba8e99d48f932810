import 'reflect-metadata';
import { ConfigError, loadConfig, PlatformConfig, runMigrations } from '@flowbridge/platform';
import { SERVICE_NAME } from './app.module';
import { WORKER_MIGRATIONS, WORKER_SCHEMA } from './migrations';

async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'migrate') {
    process.stderr.write(
      "Flowbridge worker CLI\n\n  migrate   apply the platform's and the worker's migrations\n",
    );
    return argv[0] === undefined || argv[0] === '--help' ? 0 : 2;
  }
  const config = loadConfig(PlatformConfig);
  await runMigrations({
    databaseUrl: config.DATABASE_URL,
    service: SERVICE_NAME,
    schema: WORKER_SCHEMA,
    migrations: WORKER_MIGRATIONS,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  });
