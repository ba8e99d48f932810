import { workspaceIsolationMigration } from '@flowbridge/platform';

/** Row-level security: a workspace's flows and their versions are visible to that workspace only. */
export const FlowsIsolation1764000000310 = workspaceIsolationMigration('FlowsIsolation1764000000310', [
  { table: '"flow_definition"."flows"' },
  { table: '"flow_definition"."flow_versions"' },
]);
