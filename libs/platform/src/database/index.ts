export * from './database';
export * from './migrate';
export * from './db-errors';
export * from './migrate-cli';
export * from './values-list';
export * from './tenancy';
export * from './statement-counter';
export * from './group-commit';
