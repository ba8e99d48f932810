import { ConnectionsAndApis1764000000100 } from './1764000000100-connections-and-apis';
import { ApiIdempotencyKey1764000000200 } from './1764000000200-api-idempotency-key';
import { ConnectionsIsolation1764000000210 } from './1764000000210-workspace-isolation';

export const CONNECTIONS_SCHEMA = 'connections';
export const CONNECTIONS_MIGRATIONS = [
  ConnectionsAndApis1764000000100,
  ApiIdempotencyKey1764000000200,
  ConnectionsIsolation1764000000210,
];
