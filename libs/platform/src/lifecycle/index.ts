export * from './shutdown-state';
export * from './bounded';
export * from './periodic';
