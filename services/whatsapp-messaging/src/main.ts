import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { httpRoutes, OPENAPI, SERVICE_NAME, WhatsappMessagingAppModule } from './app.module';
import { WhatsappMessagingConfig } from './whatsapp-messaging.config';

async function main(): Promise<void> {
  const config = loadConfig(WhatsappMessagingConfig);
  await runService({
    name: SERVICE_NAME,
    module: WhatsappMessagingAppModule.forRoot(config),
    config,
    port: config.WHATSAPP_MESSAGING_PORT,
    ...httpRoutes(config),
    // flow-definition asks it to publish forms on the Cloud API.
    rpc: true,
    swagger: OPENAPI,
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
