import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { PLATFORM_MIGRATIONS } from '../auth/migrations';
import { ALL_WORKSPACES_SETTING } from './tenancy';

type MigrationClass = new () => MigrationInterface;

export interface MigrateOptions {
  databaseUrl: string;
  service: string;
  /**
   * The URL the services connect with (DATABASE_URL), when it names another role than `databaseUrl`: that role
   * is created if missing (LOGIN, with the URL's password; never superuser, never BYPASSRLS) and may read and
   * write the service's tables, under their row-level security, but not change them.
   */
  appUrl?: string;
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
  // Data migrations run across workspaces: the owner is under the FORCEd row-level security too.
  const extra = { options: `-c ${ALL_WORKSPACES_SETTING}=on` };
  const lockSource = new DataSource({ type: 'postgres', url: options.databaseUrl, poolSize: 1, extra });
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
        extra,
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
    if (options.appUrl)
      await grantToAppRole(
        lock,
        options.appUrl,
        steps.map((step) => step.schema),
        log,
      );
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch(() => undefined);
    await lock.release();
    await lockSource.destroy();
  }
  return applied;
}

/**
 * Lets the services' role (the user of `appUrl`) use the schemas: data only (no DDL), never the migrations
 * tables. Nothing to do when the services connect as the migrating role itself.
 */
async function grantToAppRole(
  q: QueryRunner,
  appUrl: string,
  schemas: string[],
  log: (line: string) => void,
): Promise<void> {
  const url = new URL(appUrl);
  const role = decodeURIComponent(url.username);
  const [{ me }] = await q.manager.query<Array<{ me: string }>>('SELECT current_user AS me');
  if (!role || role === me) return;
  const [existing] = await q.manager.query<Array<{ rolsuper: boolean; rolbypassrls: boolean }>>(
    'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1',
    [role],
  );
  if (!existing) {
    await createRole(q, role, decodeURIComponent(url.password));
    log(`created role ${role} for the services`);
  } else if (existing.rolsuper || existing.rolbypassrls) {
    log(`warning: role ${role} is a superuser or has BYPASSRLS: row-level security does not apply to it`);
  }
  for (const schema of schemas) {
    const [s, r] = [`"${schema}"`, `"${role.replace(/"/g, '""')}"`];
    await q.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
    await q.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    await q.query(`REVOKE ALL ON ${s}."migrations" FROM ${r}`);
  }
}

async function createRole(q: QueryRunner, role: string, password: string): Promise<void> {
  const [{ sql }] = await q.manager.query<Array<{ sql: string }>>(
    password
      ? `SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD %L', $1::text, $2::text) AS sql`
      : `SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS', $1::text) AS sql`,
    password ? [role, password] : [role],
  );
  try {
    await q.query(sql);
  } catch (error) {
    // Another database's migrations (same cluster) may have created it a moment ago.
    const code = (error as { driverError?: { code?: string } }).driverError?.code;
    if (code !== '42710' && code !== '23505') throw error;
  }
}
