export * from './redact';
export * from './logging.module';
