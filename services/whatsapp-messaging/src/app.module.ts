import { PlatformModule } from '@flowbridge/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { WhatsappMessagingConfig } from './whatsapp-messaging.config';

export const SERVICE_NAME = 'whatsapp-messaging';

/** A bootable shell for now: platform only (health, metrics, logs, admin keys). */
@Module({})
export class WhatsappMessagingAppModule {
  static forRoot(config: WhatsappMessagingConfig): DynamicModule {
    return {
      module: WhatsappMessagingAppModule,
      imports: [PlatformModule.forRoot({ service: SERVICE_NAME, config, schema: 'whatsapp_messaging' })],
    };
  }
}
