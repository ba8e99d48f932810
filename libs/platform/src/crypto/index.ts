export * from './secret-box';
export * from './internal-key';
