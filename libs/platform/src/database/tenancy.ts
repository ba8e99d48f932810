import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { planModeFree } from './prepared-statements';
import { dbStatements } from './statement-counter';

/**
 * Whose rows the work in progress may touch. Postgres enforces it: every table with a `workspace_id` has a
 * row-level security policy (FORCEd, so it holds for the tables' owner too) that reads the two settings below
 * from the session. Work that has set no scope sees no rows and can write none.
 */
export type TenantScope = { workspaceId: string } | 'all-workspaces';

/** The session settings the policies read (`workspaceIsolationSql`). */
export const WORKSPACE_SETTING = 'flowbridge.workspace_id';
export const ALL_WORKSPACES_SETTING = 'flowbridge.all_workspaces';

const scopes = new AsyncLocalStorage<TenantScope>();

export const Tenancy = {
  /** Runs `work` (and everything it starts) seeing only `workspaceId`'s rows. */
  forWorkspace<T>(workspaceId: string, work: () => T): T {
    if (!workspaceId) throw new Error('Tenancy.forWorkspace needs a workspace id');
    return scopes.run({ workspaceId }, work);
  },

  /**
   * Runs `work` across every workspace. Only for what is not done on one tenant's behalf: authenticating a key,
   * routing a webhook to its channel, the pipeline's queues and sweepers, operator commands.
   */
  acrossWorkspaces<T>(work: () => T): T {
    return scopes.run('all-workspaces', work);
  },

  current(): TenantScope | undefined {
    return scopes.getStore();
  },
};

/**
 * Why row-level security does not apply to the role this data source connects as (a superuser, or a role
 * with BYPASSRLS), or null when it does.
 */
export async function rowSecurityBypass(dataSource: DataSource): Promise<string | null> {
  const [role] = await dataSource.query<Array<{ name: string; rolsuper: boolean; rolbypassrls: boolean }>>(
    'SELECT rolname AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
  );
  if (!role || !(role.rolsuper || role.rolbypassrls)) return null;
  return `${role.name}, ${role.rolsuper ? 'a superuser' : 'a BYPASSRLS role'}`;
}

/** The values of WORKSPACE_SETTING and ALL_WORKSPACES_SETTING for a scope ('' and 'off' for none). */
function settingsOf(scope: TenantScope | undefined): [string, string] {
  if (scope === 'all-workspaces') return ['', 'on'];
  return [scope?.workspaceId ?? '', 'off'];
}

interface PgClient {
  query(sql: string, params: unknown[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}
type Release = (error?: unknown) => void;
interface ScopedDriver {
  obtainMasterConnection(): Promise<[PgClient, Release]>;
}

/** Sets a connection's scope; it reads no table, so it runs the same under any plan mode. */
const SET_SCOPE = planModeFree(
  `SELECT set_config('${WORKSPACE_SETTING}', $1, false), set_config('${ALL_WORKSPACES_SETTING}', $2, false)`,
);

/**
 * Makes every connection the data source hands out carry the caller's scope: when a pooled connection last
 * carried another one, one `set_config` round trip updates it before the first query. Session-level settings,
 * set outside any transaction, so a rollback cannot undo them behind the record kept here.
 */
export function scopeConnections(dataSource: DataSource): DataSource {
  const driver = dataSource.driver as unknown as ScopedDriver;
  const obtain = driver.obtainMasterConnection.bind(driver);
  const applied = new WeakMap<PgClient, string>();
  driver.obtainMasterConnection = async () => {
    const [client, release] = await obtain();
    const settings = settingsOf(Tenancy.current());
    const key = settings.join('\u0000');
    if (applied.get(client) === key) return [client, release];
    // A checked-out client has no 'error' listener until TypeORM attaches its own, after this returns: if
    // Postgres dies during this query, pg fails the query *and* emits 'error', which would kill the process.
    const swallow = () => undefined;
    client.on('error', swallow);
    try {
      dbStatements.inc({ kind: 'scope' });
      await client.query(SET_SCOPE, settings);
    } catch (error) {
      applied.delete(client);
      release(error);
      throw error;
    } finally {
      client.off('error', swallow);
    }
    applied.set(client, key);
    return [client, release];
  };
  return dataSource;
}

/**
 * A table under workspace isolation: by its own `workspace_id`, or, for a table without one, through the
 * parent row it belongs to (which is itself isolated, so the parent lookup sees only visible rows).
 */
export interface IsolatedTable {
  /** Schema-qualified and quoted: `"worker"."runs"`. */
  table: string;
  through?: { parent: string; column: string };
}

/** The policy name every isolated table carries. */
export const ISOLATION_POLICY = 'workspace_isolation';

/** The statements that put a table under workspace isolation (ENABLE, FORCE, one policy for every command). */
export function workspaceIsolationSql({ table, through }: IsolatedTable): string[] {
  const own = through
    ? `EXISTS (SELECT 1 FROM ${through.parent} p WHERE p."id" = "${through.column}")`
    : `"workspace_id" = current_setting('${WORKSPACE_SETTING}', true)`;
  const visible = `current_setting('${ALL_WORKSPACES_SETTING}', true) = 'on' OR ${own}`;
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY "${ISOLATION_POLICY}" ON ${table} USING (${visible}) WITH CHECK (${visible})`,
  ];
}

/** Undoes workspaceIsolationSql. */
export function dropWorkspaceIsolationSql({ table }: IsolatedTable): string[] {
  return [
    `DROP POLICY IF EXISTS "${ISOLATION_POLICY}" ON ${table}`,
    `ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
  ];
}

/** A migration that isolates `tables` (and, down, stops isolating them). */
export function workspaceIsolationMigration(
  name: string,
  tables: IsolatedTable[],
): new () => MigrationInterface {
  return class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      for (const sql of tables.flatMap(workspaceIsolationSql)) await q.query(sql);
    }

    async down(q: QueryRunner): Promise<void> {
      for (const sql of [...tables].reverse().flatMap(dropWorkspaceIsolationSql)) await q.query(sql);
    }
  };
}
