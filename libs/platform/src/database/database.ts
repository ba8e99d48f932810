import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { PlatformConfig } from '../config';
import { prepareMarkedStatements } from './prepared-statements';
import { StatementCounter } from './statement-counter';
import { scopeConnections } from './tenancy';

export type EntityList = MixedList<string | (new () => unknown) | EntitySchema>;

/** Connection options every service uses; entities and migrations are listed as classes, never globs. */
export function dataSourceOptions(
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
  options: { service: string; schema: string; entities: Array<new () => unknown> },
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    schema: options.schema,
    entities: options.entities,
    synchronize: false,
    migrationsRun: false,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `flowbridge-${options.service}`,
    // Counts round trips (flowbridge_db_statements_total); TypeORM logs nothing else unless asked.
    logger: new StatementCounter(),
    extra: { connectionTimeoutMillis: 5000, statement_timeout: 15000 },
  };
}

/**
 * A data source as the services use it: every connection it hands out carries the caller's workspace (the
 * tables' row-level security) and runs the hot path's statements prepared.
 */
export async function scopedDataSource(options: DataSourceOptions): Promise<DataSource> {
  return prepareMarkedStatements(scopeConnections(await new DataSource(options).initialize()));
}
