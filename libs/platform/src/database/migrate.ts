import { DataSource, type MigrationInterface } from 'typeorm';
import { PLATFORM_MIGRATIONS } from '../auth/migrations';

type MigrationClass = new () => MigrationInterface;

export interface MigrateOptions {
  databaseUrl: string;
  service: string;
  /** The service's own schema; its migrations table lives there. */
  schema?: string;
  migrations?: MigrationClass[];
  log?: (line: string) => void;
}

const LOCK_KEY = 'flowbridge:migrations';

/**
 * Applies the platform's migrations (schema `auth`, shared by every service for admin keys) and then the
 * service's own, under a Postgres advisory lock so that replicas starting together do not race.
 */
export async function runMigrations(options: MigrateOptions): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  const applied: string[] = [];
  const lockSource = new DataSource({ type: 'postgres', url: options.databaseUrl, poolSize: 1 });
  await lockSource.initialize();
  const lock = lockSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
    const steps: Array<{ schema: string; migrations: MigrationClass[] }> = [
      { schema: 'auth', migrations: PLATFORM_MIGRATIONS },
    ];
    if (options.schema && options.migrations?.length) {
      steps.push({ schema: options.schema, migrations: options.migrations });
    }
    for (const step of steps) {
      await lock.query(`CREATE SCHEMA IF NOT EXISTS "${step.schema}"`);
      const source = new DataSource({
        type: 'postgres',
        url: options.databaseUrl,
        schema: step.schema,
        migrations: step.migrations,
        migrationsTableName: 'migrations',
        migrationsTransactionMode: 'each',
        applicationName: `flowbridge-${options.service}-migrate`,
      });
      await source.initialize();
      try {
        const done = await source.runMigrations();
        for (const m of done) {
          applied.push(`${step.schema}.${m.name}`);
          log(`applied ${step.schema}.${m.name}`);
        }
      } finally {
        await source.destroy();
      }
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await lockSource.destroy();
  }
  return applied;
}
