export * from './shutdown-state';
export * from './bounded';
