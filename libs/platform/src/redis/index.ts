export * from './redis-options';
export * from './redis.module';
export * from './rpc-transport';
export * from './hint-emitter';
export * from './durability';
export * from './redis-epochs';
export * from './connect-early';
export * from './rate-limit';
