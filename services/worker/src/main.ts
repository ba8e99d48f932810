import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { WorkerAppModule, SERVICE_NAME } from './app.module';
import { WorkerConfig } from './worker.config';

async function main(): Promise<void> {
  const config = loadConfig(WorkerConfig);
  await runService({
    name: SERVICE_NAME,
    module: WorkerAppModule.forRoot(config),
    config,
    port: config.WORKER_PORT,
    swagger: {
      title: 'Flowbridge worker',
      description: 'Runs and their call logs (read-only): "verify API request execution".',
    },
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
