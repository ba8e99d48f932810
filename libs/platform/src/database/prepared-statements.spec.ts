import { createTestDatabase, type TestDatabase } from '@flowbridge/testing';
import { DataSource } from 'typeorm';
import { prepared, prepareMarkedStatements, preparedName } from './prepared-statements';
import { dbStatements } from './statement-counter';

/** The plan mode a statement ran under, as it saw it: a marked one, and an unmarked one with a parameter. */
const MARKED = prepared(`SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n`);
const UNMARKED = `SELECT current_setting('plan_cache_mode') AS mode, $1::int AS n, 'unmarked' AS kind`;
/** A statement whose custom plan, which knows the array's length, Postgres' default would choose on every call. */
const BY_KEYS = prepared(
  `SELECT k.id FROM unnest($1::int[]) AS k(id) JOIN items i ON i.id = k.id ORDER BY k.id`,
);

async function switches(): Promise<number> {
  const { values } = await dbStatements.get();
  return values.find((v) => v.labels.kind === 'setting')?.value ?? 0;
}

describe('prepareMarkedStatements (real Postgres)', () => {
  let db: TestDatabase;
  /** One pooled connection, as a service's pool hands the same connection to one caller after another. */
  let source: DataSource;

  const modeOf = async (sql: string): Promise<string> =>
    (await source.query<Array<{ mode: string }>>(sql, [1]))[0].mode;

  beforeAll(async () => {
    db = await createTestDatabase('prepared_statements');
    source = prepareMarkedStatements(
      await new DataSource({ type: 'postgres', url: db.url, poolSize: 1 }).initialize(),
    );
    await source.query(`CREATE TABLE items (id int PRIMARY KEY)`);
    await source.query(`INSERT INTO items SELECT generate_series(1, 1000)`);
    await source.query(`ANALYZE items`);
  });
  afterAll(async () => {
    await source?.destroy();
    await db?.drop();
  });

  it('runs a marked statement by name under one generic plan, never planning it again', async () => {
    for (let i = 0; i < 8; i++)
      expect(await source.query(BY_KEYS, [[3, 1, 2000]])).toEqual([{ id: 1 }, { id: 3 }]);
    const [statement] = await source.query<Array<{ name: string; generic: number; custom: number }>>(
      `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom
         FROM pg_prepared_statements WHERE statement = $1`,
      [BY_KEYS],
    );
    // Under Postgres' default at least the first five calls are planned anew (custom plans), and every call of
    // the hot path's statements was.
    expect(statement).toEqual({ name: preparedName(BY_KEYS), generic: 8, custom: 0 });
  });

  it('runs everything else with parameters under the configured default, switching only between kinds', async () => {
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    const before = await switches();
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    expect(await switches()).toBe(before);
    // A list with optional filters (`$2 IS NULL OR …`) keeps a plan made for its values.
    expect(await modeOf(UNMARKED)).toBe('auto');
    expect(await modeOf(UNMARKED)).toBe('auto');
    expect(await switches()).toBe(before + 1);
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    expect(await switches()).toBe(before + 2);
  });

  it('knows a switch undone by a ROLLBACK, or by a failed statement, is gone', async () => {
    await modeOf(MARKED);
    // Switched back to the default inside a transaction that rolls back: the session is generic again.
    await source
      .transaction(async (tx) => {
        expect((await tx.query<Array<{ mode: string }>>(UNMARKED, [1]))[0].mode).toBe('auto');
        await tx.query(`SELECT 1`);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await modeOf(UNMARKED)).toBe('auto');
    // Switched to generic inside one whose statement then fails, ended by COMMIT, which Postgres turns into a
    // rollback: the session is back in the default.
    const runner = source.createQueryRunner();
    try {
      await runner.query('BEGIN');
      expect((await runner.query(MARKED, [1]))[0].mode).toBe('force_generic_plan');
      await expect(runner.query(`SELECT 1 / 0`)).rejects.toThrow(/division by zero/);
      await runner.query('COMMIT');
    } finally {
      await runner.release();
    }
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    expect(await modeOf(UNMARKED)).toBe('auto');
  });

  it('fails a marked statement with its own error when the switch before it fails', async () => {
    await modeOf(UNMARKED);
    await expect(
      source.transaction(async (tx) => {
        await tx.query(`SELECT 1 / 0`).catch(() => undefined);
        // The transaction is aborted: the switch and the statement are both refused, the statement's error is
        // the caller's.
        await tx.query(MARKED, [1]);
      }),
    ).rejects.toThrow(/current transaction is aborted/);
    expect(await modeOf(MARKED)).toBe('force_generic_plan');
    expect(await modeOf(UNMARKED)).toBe('auto');
  });
});
