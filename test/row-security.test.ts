import { randomUUID } from 'node:crypto';
import {
  ISOLATION_POLICY,
  prepared,
  preparedName,
  prepareMarkedStatements,
  scopeConnections,
  Tenancy,
} from '@flowbridge/platform';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '@flowbridge/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { observe } from './reliability/harness/observe';
import { CONNECTIONS_MIGRATIONS, CONNECTIONS_SCHEMA } from '../services/connections/src/migrations';
import { migrateServices } from './service-process';

/** The schemas the services own, and the tables in them that hold no tenant's rows. */
const SCHEMAS = ['auth', 'connections', 'flow_definition', 'worker', 'whatsapp_messaging'];
const SYSTEM_TABLES = ['migrations', 'redis_epochs'];

/** One row per workspace in a table of each service, including both tables isolated through a parent. */
const ids = { a: {} as Record<string, string>, b: {} as Record<string, string> };
const TABLES = [
  'auth.api_keys',
  'connections.connections',
  'flow_definition.flows',
  'worker.runs',
  'worker.run_steps',
  'whatsapp_messaging.channels',
  'whatsapp_messaging.statuses',
];
/** How each table names a row (run_steps by its run, statuses by their message id). */
const KEY: Record<string, string> = {
  'worker.run_steps': 'run_id',
  'whatsapp_messaging.statuses': 'wa_message_id',
};
const keyOf = (table: string) => KEY[table] ?? 'id';

describe('[D4] row-level security: Postgres keeps each workspace to its own rows', () => {
  let db: TestDatabase;
  let owner: Client;
  /** Built as the services build theirs: the app role, every connection carrying the caller's workspace. */
  let app: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('row_security');
    await migrateServices(
      db.url,
      ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'],
      db.appUrl,
    );
    owner = new Client({ connectionString: db.url });
    await owner.connect();
    for (const [ws, own] of [
      ['ws-a', ids.a],
      ['ws-b', ids.b],
    ] as const)
      await seed(owner, ws, own);
    // One pooled connection: every query below reuses it, whatever scope the previous one had.
    app = scopeConnections(
      await new DataSource({ type: 'postgres', url: db.appUrl, poolSize: 1 }).initialize(),
    );
  });

  afterAll(async () => {
    await app?.destroy();
    await owner?.end();
    await db?.drop();
  });

  const visible = (table: string) =>
    app
      .query<Array<{ key: string }>>(`SELECT ${keyOf(table)}::text AS key FROM ${table}`)
      .then((rows) => rows.map((r) => r.key).sort());

  it('every table of every service is under a FORCEd policy for every command, each workspace_id table among them', async () => {
    const { rows } = await owner.query<{
      table: string;
      rls: boolean;
      forced: boolean;
      policies: string[];
      commands: string[];
      has_workspace_id: boolean;
    }>(
      `SELECT n.nspname || '.' || c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
              coalesce(array_agg(p.polname::text) FILTER (WHERE p.polname IS NOT NULL), '{}') AS policies,
              coalesce(array_agg(p.polcmd::text) FILTER (WHERE p.polname IS NOT NULL), '{}') AS commands,
              EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id'
                         AND NOT a.attisdropped) AS has_workspace_id
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_policy p ON p.polrelid = c.oid
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND NOT c.relname = ANY($2)
        GROUP BY 1, 2, 3, c.oid ORDER BY 1`,
      [SCHEMAS, SYSTEM_TABLES],
    );
    const withWorkspace = rows.filter((r) => r.has_workspace_id).map((r) => r.table);
    expect(withWorkspace).toEqual(
      expect.arrayContaining([
        'auth.api_keys',
        'connections.apis',
        'worker.outbox',
        'whatsapp_messaging.messages',
      ]),
    );
    // Tables isolated through a parent row are the only ones without the column.
    expect(rows.filter((r) => !r.has_workspace_id).map((r) => r.table)).toEqual([
      'whatsapp_messaging.statuses',
      'worker.run_steps',
    ]);
    for (const row of rows)
      expect({
        table: row.table,
        rls: row.rls,
        forced: row.forced,
        policies: row.policies,
        commands: row.commands,
      }).toEqual({
        table: row.table,
        rls: true,
        forced: true,
        policies: [ISOLATION_POLICY],
        commands: ['*'],
      });
    observe(
      'D4',
      `Meta-test: ${rows.length} tables in the services' schemas (${withWorkspace.length} with workspace_id, 2 ` +
        'through their parent row), each with RLS enabled and FORCEd and one policy for every command',
      { tables: rows.length, withWorkspaceId: withWorkspace.length },
    );
  });

  it('the services connect as a role that is no superuser, cannot bypass RLS, owns nothing and cannot change the schema', async () => {
    const { rows } = await owner.query<Record<string, boolean>>(
      `SELECT r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
              EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE c.relowner = r.oid AND n.nspname = ANY($2)) AS owns_tables,
              has_schema_privilege(r.rolname, 'connections', 'CREATE') AS may_create,
              has_table_privilege(r.rolname, 'connections.migrations', 'SELECT') AS reads_migrations,
              has_table_privilege(r.rolname, 'connections.connections', 'SELECT,INSERT,UPDATE,DELETE') AS uses_data
         FROM pg_roles r WHERE r.rolname = $1`,
      [TEST_APP_ROLE, SCHEMAS],
    );
    expect(rows).toEqual([
      {
        superuser: false,
        bypassrls: false,
        owns_tables: false,
        may_create: false,
        reads_migrations: false,
        uses_data: true,
      },
    ]);
  });

  it('in one workspace, a query without a workspace filter reads only its rows and cannot update, delete or write the other’s', async () => {
    await Tenancy.forWorkspace('ws-a', async () => {
      for (const table of TABLES)
        expect({ table, keys: await visible(table) }).toEqual({ table, keys: [ids.a[table]] });
      // By id, as a handler that forgot its `workspace_id = $1` would.
      const updated = await app.query<[unknown[], number]>(
        `UPDATE connections.connections SET title = 'taken' WHERE id = $1`,
        [ids.b['connections.connections']],
      );
      expect(updated[1]).toBe(0);
      const deleted = await app.query<[unknown[], number]>(
        `DELETE FROM flow_definition.flows WHERE id = $1`,
        [ids.b['flow_definition.flows']],
      );
      expect(deleted[1]).toBe(0);
      const steps = await app.query<[unknown[], number]>(`DELETE FROM worker.run_steps WHERE run_id = $1`, [
        ids.b['worker.run_steps'],
      ]);
      expect(steps[1]).toBe(0);
      // A row written for the other workspace, or moved into it, is refused.
      await expect(
        app.query(`INSERT INTO worker.run_steps (run_id, screen_id, cause) VALUES ($1, 'start', 'test')`, [
          ids.b['worker.runs'],
        ]),
      ).rejects.toMatchObject({ driverError: { code: '42501' } });
      await expect(insertFlow(app, 'ws-b')).rejects.toMatchObject({ driverError: { code: '42501' } });
      await expect(
        app.query(`UPDATE connections.connections SET workspace_id = 'ws-b' WHERE id = $1`, [
          ids.a['connections.connections'],
        ]),
      ).rejects.toMatchObject({ driverError: { code: '42501' } });
    });
    // The other workspace's rows are untouched.
    const { rows } = await owner.query<{ title: string; flows: string }>(
      `SELECT (SELECT title FROM connections.connections WHERE id = $1) AS title,
              (SELECT count(*)::text FROM flow_definition.flows WHERE workspace_id = 'ws-b') AS flows`,
      [ids.b['connections.connections']],
    );
    expect(rows).toEqual([{ title: 'ws-b orders', flows: '1' }]);
    observe(
      'D4',
      `As the services' role (no superuser, no owner, no BYPASSRLS) in workspace A, queries without a workspace ` +
        `filter saw only A's row in each of ${TABLES.length} tables; an update and two deletes by B's ids touched ` +
        "0 rows; writing a row into B, or moving one there, was refused (42501); B's rows were unchanged",
    );
  });

  it('no scope sees and writes nothing; each scope is set on the pooled connection, not left from the last user', async () => {
    await Tenancy.forWorkspace('ws-b', async () => {
      expect(await visible('worker.runs')).toEqual([ids.b['worker.runs']]);
    });
    for (const table of TABLES) expect({ table, keys: await visible(table) }).toEqual({ table, keys: [] });
    await expect(insertFlow(app, 'ws-a')).rejects.toMatchObject({ driverError: { code: '42501' } });
    await Tenancy.acrossWorkspaces(async () => {
      for (const table of TABLES)
        expect({ table, keys: await visible(table) }).toEqual({
          table,
          keys: [ids.a[table], ids.b[table]].sort(),
        });
    });
    // A transaction that rolls back does not undo the connection's scope behind the pool's back.
    await Tenancy.forWorkspace('ws-a', () =>
      app
        .transaction(async (tx) => {
          await tx.query('SELECT 1');
          throw new Error('rolled back');
        })
        .catch(() => undefined),
    );
    await Tenancy.forWorkspace('ws-b', async () => {
      expect(await visible('flow_definition.flows')).toEqual([ids.b['flow_definition.flows']]);
    });
  });

  it('a prepared statement (planned once, kept by the connection) still sees only the current workspace as scopes alternate on one connection', async () => {
    const runs = prepareMarkedStatements(
      scopeConnections(await new DataSource({ type: 'postgres', url: db.appUrl, poolSize: 1 }).initialize()),
    );
    // Marked as the hot path marks its statements; run more than five times per scope, past the custom plans
    // after which Postgres may keep a generic one.
    const sql = prepared(`SELECT id::text AS id FROM worker.runs WHERE status = ANY($1::text[]) ORDER BY id`);
    try {
      for (let i = 0; i < 8; i++)
        for (const ws of ['a', 'b'] as const) {
          const rows = await Tenancy.forWorkspace(`ws-${ws}`, () =>
            runs.query<Array<{ id: string }>>(sql, [['active', 'ended']]),
          );
          expect(rows.map((r) => r.id)).toEqual([ids[ws]['worker.runs']]);
        }
      const prepares = await Tenancy.forWorkspace('ws-a', () =>
        runs.query<Array<{ name: string; statement: string; plans: string }>>(
          `SELECT name, statement, (generic_plans + custom_plans)::text AS plans FROM pg_prepared_statements`,
        ),
      );
      // The statement was prepared on the connection under its name, and planned fewer times than it ran.
      expect(prepares).toEqual([{ name: preparedName(sql), statement: sql, plans: expect.any(String) }]);
      expect(Number(prepares[0].plans)).toBeLessThanOrEqual(16);
    } finally {
      await runs.destroy();
    }
  });

  it('holds for the tables’ owner too (FORCE), where without FORCE the owner would see every workspace', async () => {
    const ownerSees = async (force: boolean): Promise<string[]> => {
      await owner.query('BEGIN');
      try {
        // A role that owns the table but is no superuser (superusers bypass RLS altogether); gone at ROLLBACK.
        await owner.query(`CREATE ROLE fb_table_owner NOLOGIN`);
        await owner.query(`ALTER TABLE connections.connections OWNER TO fb_table_owner`);
        await owner.query(`GRANT USAGE ON SCHEMA connections TO fb_table_owner`);
        if (!force) await owner.query(`ALTER TABLE connections.connections NO FORCE ROW LEVEL SECURITY`);
        await owner.query(`SET LOCAL ROLE fb_table_owner`);
        await owner.query(`SELECT set_config('flowbridge.workspace_id', 'ws-a', true)`);
        const { rows } = await owner.query<{ id: string }>(
          `SELECT id FROM connections.connections ORDER BY id`,
        );
        return rows.map((r) => r.id);
      } finally {
        await owner.query('ROLLBACK');
      }
    };
    expect(await ownerSees(true)).toEqual([ids.a['connections.connections']]);
    observe('D4', "The tables' owner (no superuser) saw 1 of 2 rows under FORCE, both without it");
    expect(await ownerSees(false)).toEqual(
      [ids.a['connections.connections'], ids.b['connections.connections']].sort(),
    );
  });

  it('the isolation migration reverts (down) and applies again', async () => {
    const isolated = async () =>
      (
        await owner.query<{ relname: string; rls: boolean; forced: boolean; policies: string }>(
          `SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
                  (SELECT count(*)::text FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'connections' AND c.relname IN ('connections', 'apis') ORDER BY 1`,
        )
      ).rows;
    const source = new DataSource({
      type: 'postgres',
      url: db.url,
      schema: CONNECTIONS_SCHEMA,
      migrations: CONNECTIONS_MIGRATIONS,
      migrationsTableName: 'migrations',
    });
    await source.initialize();
    try {
      await source.undoLastMigration();
      expect(await isolated()).toEqual([
        { relname: 'apis', rls: false, forced: false, policies: '0' },
        { relname: 'connections', rls: false, forced: false, policies: '0' },
      ]);
      await source.runMigrations();
      expect(await isolated()).toEqual([
        { relname: 'apis', rls: true, forced: true, policies: '1' },
        { relname: 'connections', rls: true, forced: true, policies: '1' },
      ]);
    } finally {
      await source.destroy();
    }
  });
});

function insertFlow(ds: DataSource, workspaceId: string): Promise<unknown> {
  return ds.query(
    `INSERT INTO flow_definition.flows (id, workspace_id, name, document, version) VALUES ($1, $2, $3, '{}', 1)`,
    [randomUUID(), workspaceId, `written as ${workspaceId}`],
  );
}

/** A row of each table for `ws`, written as the owner (a superuser, to whom RLS does not apply). */
async function seed(owner: Client, ws: string, own: Record<string, string>): Promise<void> {
  const [key, connection, flow, run, channel] = [1, 2, 3, 4, 5].map(() => randomUUID());
  const wamid = `wamid.${ws}`;
  await owner.query(
    `INSERT INTO auth.api_keys (id, workspace_id, name, prefix, key_hash) VALUES ($1, $2, 'k', 'fb_', $3)`,
    [key, ws, `hash-${ws}`],
  );
  await owner.query(
    `INSERT INTO connections.connections (id, workspace_id, title, base_url, auth_type, timeout_ms, retry, version)
     VALUES ($1, $2, $3, 'http://127.0.0.1:9', 'none', 1000, '{}', 1)`,
    [connection, ws, `${ws} orders`],
  );
  await owner.query(
    `INSERT INTO flow_definition.flows (id, workspace_id, name, document, version) VALUES ($1, $2, 'f', '{}', 1)`,
    [flow, ws],
  );
  await owner.query(
    `INSERT INTO worker.runs (id, workspace_id, channel_id, wa_id, flow_id, flow_version, status, state, expires_at)
     VALUES ($1, $2, 'c', '1', $3, 1, 'active', '{}', now() + interval '1 hour')`,
    [run, ws, flow],
  );
  await owner.query(
    `INSERT INTO worker.run_steps (run_id, screen_id, cause) VALUES ($1, 'start', 'trigger')`,
    [run],
  );
  await owner.query(
    `INSERT INTO whatsapp_messaging.channels (id, workspace_id, phone_number_id, display_phone_number, waba_id,
       access_token, app_secret, verify_token, messages_per_second)
     VALUES ($1, $2, $3, '1555', 'waba', '{}', '{}', 'v', 80)`,
    [channel, ws, `pn-${ws}`],
  );
  await owner.query(
    `INSERT INTO whatsapp_messaging.statuses (wa_message_id, channel_id, status, rank, status_at)
     VALUES ($1, $2, 'sent', 1, now())`,
    [wamid, channel],
  );
  Object.assign(own, {
    'auth.api_keys': key,
    'connections.connections': connection,
    'flow_definition.flows': flow,
    'worker.runs': run,
    'worker.run_steps': run,
    'whatsapp_messaging.channels': channel,
    'whatsapp_messaging.statuses': wamid,
  });
}
