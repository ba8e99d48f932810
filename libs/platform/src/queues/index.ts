export * from './trigger-producer';
