export * from './trigger-producer';
export * from './global-concurrency';
export * from './producer-queues';
export * from './job-auth';
export * from './park-while-unavailable';
