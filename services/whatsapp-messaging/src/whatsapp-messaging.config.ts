import { PlatformConfig, ToInt } from '@flowbridge/platform';
import { IsInt, Max, Min } from 'class-validator';

export class WhatsappMessagingConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  WHATSAPP_MESSAGING_PORT = 3004;
}
