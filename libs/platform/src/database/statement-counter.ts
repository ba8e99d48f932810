import { Counter } from 'prom-client';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { metricOnce } from '../metrics/metrics';

export type StatementKind = 'begin' | 'commit' | 'rollback' | 'scope' | 'setting' | 'statement';

/**
 * `flowbridge_db_statements_total{kind}`: every round trip a service makes to Postgres — statements, the
 * transactions' BEGIN / COMMIT / ROLLBACK, the row-level-security scope set on a pooled connection, and the plan
 * mode switched on one (`prepareMarkedStatements`). The benchmark divides it by the steps completed; an operator
 * sees what a change costs in round trips.
 */
export const dbStatements = metricOnce(
  'flowbridge_db_statements_total',
  () =>
    new Counter({
      name: 'flowbridge_db_statements_total',
      help: 'Round trips to Postgres by kind (statement, begin, commit, rollback, scope, setting)',
      labelNames: ['kind'],
    }),
);

export function statementKind(sql: string): StatementKind {
  const head = sql.trimStart().slice(0, 17).toUpperCase();
  if (head.startsWith('START TRANSACTION') || head.startsWith('BEGIN')) return 'begin';
  if (head.startsWith('COMMIT')) return 'commit';
  if (head.startsWith('ROLLBACK')) return 'rollback';
  return 'statement';
}

/** TypeORM's logger hook, used only to count: TypeORM calls `logQuery` before each query it sends. */
export class StatementCounter implements TypeOrmLogger {
  logQuery(query: string): void {
    dbStatements.inc({ kind: statementKind(query) });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
