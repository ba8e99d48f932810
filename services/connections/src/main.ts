import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { ConnectionsAppModule, OPENAPI, SERVICE_NAME } from './app.module';
import { ConnectionsConfig } from './connections.config';

async function main(): Promise<void> {
  const config = loadConfig(ConnectionsConfig);
  await runService({
    name: SERVICE_NAME,
    module: ConnectionsAppModule.forRoot(config),
    config,
    port: config.CONNECTIONS_PORT,
    rpc: true,
    swagger: OPENAPI,
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
