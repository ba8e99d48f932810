export * from './api-key.entity';
export * from './api-keys.service';
export * from './api-key.guard';
export * from './public.decorator';
export * from './auth.module';
export * from './migrations';
export * from './workspace-scope.interceptor';
