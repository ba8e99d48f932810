import { type MigrateOptions, runMigrations } from '@flowbridge/platform';
import { createTestDatabase, type TestDatabase } from '@flowbridge/testing';

/**
 * A service's database for a test: a fresh one with the service's migrations run, or, for another replica of
 * the service (`shared`), the first replica's database as it is.
 */
export async function serviceDatabase(
  label: string,
  service: Pick<MigrateOptions, 'service' | 'schema' | 'migrations'>,
  shared?: TestDatabase,
): Promise<TestDatabase> {
  if (shared) return shared;
  const db = await createTestDatabase(label);
  await runMigrations({ databaseUrl: db.url, appUrl: db.appUrl, ...service });
  return db;
}
