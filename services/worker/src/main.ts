import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { WorkerAppModule, OPENAPI, SERVICE_NAME } from './app.module';
import { WorkerConfig } from './worker.config';

async function main(): Promise<void> {
  const config = loadConfig(WorkerConfig);
  await runService({
    name: SERVICE_NAME,
    module: WorkerAppModule.forRoot(config),
    config,
    port: config.WORKER_PORT,
    swagger: OPENAPI,
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
