export * from './http-app';
export * from './bootstrap';
export * from './id.pipe';
