import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { dbStatements, statementKind } from './statement-counter';

/** The statements marked by `prepared`, by text: each one's name on the connections. */
const names = new Map<string, string>();

/**
 * Marks a hot-path statement to run as a named prepared statement under a generic plan: each pooled connection
 * parses and plans it once and reuses that plan until an ANALYZE or a schema change invalidates it, instead of
 * planning it on every call. Returns the text itself, for `tx.query(text, params)`. Only for texts that are
 * constants, and only for statements whose best plan does not depend on their parameters' values (keys, arrays
 * of keys): each distinct text stays prepared on every connection for the connection's life.
 *
 * Why the generic plan is forced: under Postgres' default (`plan_cache_mode = auto`) a prepared statement whose
 * parameters are arrays (`unnest($1::text[])`, `= ANY($1)`) is planned again on every call, because the custom
 * plan, which knows the array's length, always looks cheaper than the generic one. Planning was a third of
 * Postgres' CPU on the hot path (docs/benchmarks.md).
 */
export function prepared(text: string): string {
  if (!names.has(text)) names.set(text, `fb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
  return text;
}

/** Texts that run the same under either plan mode (no table, no plan to choose): they never switch it. */
const modeFree = new Set<string>();

/** Marks a statement with parameters that needs no particular plan mode, so it never costs a switch. */
export function planModeFree(text: string): string {
  modeFree.add(text);
  return text;
}

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;
interface PgClient {
  query: Query;
}
type Release = (error?: unknown) => void;
interface Driver {
  obtainMasterConnection(): Promise<[PgClient, Release]>;
}

/** The name a statement text runs under, if it was marked by `prepared`. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}

type PlanMode = 'generic' | 'auto';
const SET_MODE: Record<PlanMode, string> = {
  generic: 'SET plan_cache_mode = force_generic_plan',
  auto: 'RESET plan_cache_mode', // back to the configured default, `auto` unless an operator chose otherwise
};

/**
 * Makes the data source's connections run the statements marked by `prepared` by name, under a generic plan.
 * pg sends the statement's Parse once per connection and only Bind/Execute after that; everything else goes as
 * before, under Postgres' default plan choice (so a list with optional filters, `$2 IS NULL OR …`, still gets a
 * plan made for its values).
 *
 * The plan mode is a session setting, switched only when a connection goes from one kind of statement to the
 * other (one round trip, `flowbridge_db_statements_total{kind="setting"}`): the hot path runs only marked
 * statements, so its connections stay in the generic mode. A ROLLBACK, or any failed statement (its transaction
 * is then rolled back), can undo a switch made inside the transaction: the connection's mode is then unknown
 * and set again before the next statement that cares.
 */
export function prepareMarkedStatements(dataSource: DataSource): DataSource {
  const driver = dataSource.driver as unknown as Driver;
  const obtain = driver.obtainMasterConnection.bind(driver);
  const modes = new WeakMap<PgClient, PlanMode>();
  driver.obtainMasterConnection = async () => {
    const [client, release] = await obtain();
    // Wrapped once per connection; its mode is forgotten (deleted) when unknown, the wrapper stays.
    if (!(client.query as { planModes?: true }).planModes) {
      const query = client.query.bind(client);
      const forget = (result: unknown) => {
        if (result instanceof Promise) result.catch(() => modes.delete(client));
        return result;
      };
      const switchTo = (mode: PlanMode) => {
        if (modes.get(client) === mode) return;
        modes.set(client, mode);
        dbStatements.inc({ kind: 'setting' });
        // pg sends a connection's queries one after the other, so the switch lands before the next statement.
        forget(query(SET_MODE[mode]));
      };
      const wrappedQuery = (config: unknown, values?: unknown, callback?: unknown) => {
        if (typeof config !== 'string') return query(config, values, callback);
        const name = names.get(config);
        if (name) {
          switchTo('generic');
          return forget(query({ name, text: config }, values, callback));
        }
        if (statementKind(config) === 'rollback') modes.delete(client);
        // Without parameters there is no plan to choose: any mode plans it the same.
        else if (Array.isArray(values) && values.length > 0 && !modeFree.has(config)) switchTo('auto');
        return forget(query(config, values, callback));
      };
      client.query = Object.assign(wrappedQuery, { planModes: true as const });
      // A fresh session is in the configured default (what RESET returns to).
      modes.set(client, 'auto');
    }
    return [client, release];
  };
  return dataSource;
}
