export * from './queues';
export * from './rpc';
export * from './connections';
export * from './outbound';
export * from './flows';
export * from './triggers';
export * from './navigation';
export * from './whatsapp';
