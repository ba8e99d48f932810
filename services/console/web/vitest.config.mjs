// The console's component and page tests (`npm run test:console`): Vitest in happy-dom, with the app's own
// Vite settings (the api-client alias, JSX).
import { defineConfig, mergeConfig } from 'vitest/config';
import app from './vite.config.mjs';

export default mergeConfig(
  app,
  defineConfig({
    test: {
      environment: 'happy-dom',
      include: ['test/**/*.test.{ts,tsx}'],
      setupFiles: ['test/setup.ts'],
      restoreMocks: true,
    },
  }),
);
