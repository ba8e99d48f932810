import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { FlowDefinitionAppModule, OPENAPI, SERVICE_NAME } from './app.module';
import { FlowDefinitionConfig } from './flow-definition.config';

async function main(): Promise<void> {
  const config = loadConfig(FlowDefinitionConfig);
  await runService({
    name: SERVICE_NAME,
    module: FlowDefinitionAppModule.forRoot(config),
    config,
    port: config.FLOW_DEFINITION_PORT,
    rpc: true,
    swagger: OPENAPI,
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
