export * from './templates/templates';
