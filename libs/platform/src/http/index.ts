export * from './http-app';
export * from './bootstrap';
export * from './id.pipe';
export * from './openapi';
export * from './outbound-views';
export * from './lean-route';
