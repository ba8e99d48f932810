export * from './infra';
export * from './log-capture';
export * from './http-peer';
export * from './until';
export * from './navigation-queues';
export * from './otlp-collector';
export * from './routes';
export * from './api-step';
