import { ApiKeys1764000000000 } from './1764000000000-api-keys';
import { ApiKeysIsolation1764000000001 } from './1764000000001-api-keys-isolation';

export const PLATFORM_MIGRATIONS = [ApiKeys1764000000000, ApiKeysIsolation1764000000001];
