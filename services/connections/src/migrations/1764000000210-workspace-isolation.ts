import { workspaceIsolationMigration } from '@flowbridge/platform';

/** Row-level security: a workspace's connections and APIs are visible to that workspace only. */
export const ConnectionsIsolation1764000000210 = workspaceIsolationMigration(
  'ConnectionsIsolation1764000000210',
  [{ table: '"connections"."connections"' }, { table: '"connections"."apis"' }],
);
