import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Set by test/global-setup.js. */
export function testDatabaseServerUrl(): string {
  const url = process.env.FB_TEST_DATABASE_URL;
  if (!url)
    throw new Error('FB_TEST_DATABASE_URL is not set: run the tests through jest (test/global-setup.js)');
  return url;
}

export function testRedisUrl(): string {
  const url = process.env.FB_TEST_REDIS_URL;
  if (!url)
    throw new Error('FB_TEST_REDIS_URL is not set: run the tests through jest (test/global-setup.js)');
  return url;
}

/** The role services connect as in tests: not the tables' owner, not a superuser, so row-level security applies. */
export const TEST_APP_ROLE = 'flowbridge_app';

export interface TestDatabase {
  /** As the superuser, who migrates and owns the tables; tests read and arrange rows with it. */
  url: string;
  /** As TEST_APP_ROLE, for the services (runMigrations' `appUrl` creates the role and grants it the tables). */
  appUrl: string;
  name: string;
  drop(): Promise<void>;
}

/** The same database as another role. */
export function asRole(databaseUrl: string, role: string): string {
  const url = new URL(databaseUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

/** A database of its own for one test file, so that parallel Jest workers never share rows. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `fb_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const server = testDatabaseServerUrl();
  await withAdmin(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    appUrl: asRole(url.toString(), TEST_APP_ROLE),
    name,
    drop: () =>
      withAdmin(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withAdmin<T>(serverUrl: string, run: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A BullMQ prefix / key namespace of its own for one test file. */
export function testPrefix(label: string): string {
  return `fbtest:${label}:${randomBytes(4).toString('hex')}`;
}
