import 'reflect-metadata';
import { exitOnStartupError, loadConfig, runService } from '@flowbridge/platform';
import { rawBodyRoutes, SERVICE_NAME, WhatsappMessagingAppModule } from './app.module';
import { WhatsappMessagingConfig } from './whatsapp-messaging.config';

async function main(): Promise<void> {
  const config = loadConfig(WhatsappMessagingConfig);
  await runService({
    name: SERVICE_NAME,
    module: WhatsappMessagingAppModule.forRoot(config),
    config,
    port: config.WHATSAPP_MESSAGING_PORT,
    rawBodyRoutes: rawBodyRoutes(config),
    // flow-definition asks it to publish forms on the Cloud API.
    rpc: true,
    swagger: {
      title: 'Flowbridge WhatsApp messaging',
      description: 'Channels (business numbers) and the conversation log. The webhook is for Meta.',
    },
  });
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
