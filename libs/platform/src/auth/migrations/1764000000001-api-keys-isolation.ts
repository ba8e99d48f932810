import { workspaceIsolationMigration } from '../../database/tenancy';

/** Each workspace's keys are its own rows (row-level security); authentication looks across workspaces. */
export const ApiKeysIsolation1764000000001 = workspaceIsolationMigration('ApiKeysIsolation1764000000001', [
  { table: '"auth"."api_keys"' },
]);
