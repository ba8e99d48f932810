import { ConfigError, loadConfig, PlatformConfig } from '../config';
import { type MigrateOptions, runMigrations } from './migrate';

/**
 * The `cli.js migrate` entry point of a service whose CLI only migrates: applies the platform's and the
 * service's migrations to DATABASE_URL, then exits (0 done, 1 failed, 2 unknown command).
 */
export function runMigrateCli(
  options: Required<Pick<MigrateOptions, 'service' | 'schema' | 'migrations'>>,
): void {
  const argv = process.argv.slice(2);
  const main = async (): Promise<number> => {
    if (argv[0] !== 'migrate') {
      process.stderr.write(
        `Flowbridge ${options.service} CLI\n\n  migrate   apply the platform's and the ${options.service} service's migrations\n`,
      );
      return argv[0] === undefined || argv[0] === '--help' ? 0 : 2;
    }
    const config = loadConfig(PlatformConfig);
    await runMigrations({
      ...options,
      databaseUrl: config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL,
      appUrl: config.DATABASE_URL,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    return 0;
  };
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
