import { Worker1764000000400 } from './1764000000400-worker';

export const WORKER_SCHEMA = 'worker';
export const WORKER_MIGRATIONS = [Worker1764000000400];
