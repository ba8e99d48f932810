export * from './trigger-producer';
export * from './global-concurrency';
