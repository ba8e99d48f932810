import { ConnectionsAndApis1764000000100 } from './1764000000100-connections-and-apis';

export const CONNECTIONS_SCHEMA = 'connections';
export const CONNECTIONS_MIGRATIONS = [ConnectionsAndApis1764000000100];
