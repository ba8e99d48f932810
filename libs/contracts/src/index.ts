export * from './queues';
export * from './rpc';
export * from './connections';
