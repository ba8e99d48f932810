export * from './http-app';
export * from './bootstrap';
