export * from './app-error';
export * from './validation';
export * from './error.filter';
export * from './unavailable';
