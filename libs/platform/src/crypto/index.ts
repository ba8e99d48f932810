export * from './secret-box';
export * from './internal-key';
export * from './flow-token';
