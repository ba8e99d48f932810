import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** The statements marked by `prepared`, by text: each one's name on the connections. */
const names = new Map<string, string>();

/**
 * Marks a hot-path statement to run as a named prepared statement: each pooled connection parses and plans it
 * once, and Postgres keeps a generic plan after a few runs, instead of planning it on every call (the worker's
 * and the send lane's multi-row statements spent as long being planned as being executed). Returns the text
 * itself, for `tx.query(text, params)`. Only for texts that are constants: each distinct text stays prepared on
 * every connection for the connection's life.
 */
export function prepared(text: string): string {
  if (!names.has(text)) names.set(text, `fb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
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

/**
 * Makes the data source's connections run the statements marked by `prepared` by name. pg sends the statement's
 * Parse once per connection and only Bind/Execute after that; everything else goes as before.
 */
export function prepareMarkedStatements(dataSource: DataSource): DataSource {
  const driver = dataSource.driver as unknown as Driver;
  const obtain = driver.obtainMasterConnection.bind(driver);
  const wrapped = new WeakSet<PgClient>();
  driver.obtainMasterConnection = async () => {
    const [client, release] = await obtain();
    if (!wrapped.has(client)) {
      wrapped.add(client);
      const query = client.query.bind(client);
      client.query = (config, values, callback) => {
        const name = typeof config === 'string' ? names.get(config) : undefined;
        return query(name ? { name, text: config } : config, values, callback);
      };
    }
    return [client, release];
  };
  return dataSource;
}
