import { ApiKeys1764000000000 } from './1764000000000-api-keys';

export const PLATFORM_MIGRATIONS = [ApiKeys1764000000000];
