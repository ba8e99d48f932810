import { OutboundConfig } from '@flowbridge/outbound';
import { parseKeyRing, Satisfies, ToInt } from '@flowbridge/platform';
import { IsInt, IsString, Max, Min } from 'class-validator';

export class ConnectionsConfig extends OutboundConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  CONNECTIONS_PORT = 3001;

  /** `id:base64key` pairs of 32-byte keys; the first encrypts, all decrypt. */
  @IsString({ message: 'is required: comma-separated id:base64key pairs (openssl rand -base64 32)' })
  @Satisfies((value) => parseKeyRing(value as string))
  ENCRYPTION_KEYS!: string;
}
