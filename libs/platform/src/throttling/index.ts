export * from './redis-throttler-storage';
export * from './admin-throttler.guard';
