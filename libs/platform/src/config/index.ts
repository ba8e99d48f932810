export * from './load-config';
export * from './env-transforms';
export * from './platform-config';
export * from './satisfies';
