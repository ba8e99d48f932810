import { parseAllowList } from '@flowbridge/outbound';
import { parseKeyRing, PlatformConfig, Satisfies, ToInt, ToList } from '@flowbridge/platform';
import { IsArray, IsInt, IsString, Max, Min } from 'class-validator';

export class ConnectionsConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  CONNECTIONS_PORT = 3001;

  /** `id:base64key` pairs of 32-byte keys; the first encrypts, all decrypt. */
  @IsString({ message: 'is required: comma-separated id:base64key pairs (openssl rand -base64 32)' })
  @Satisfies((value) => parseKeyRing(value as string))
  ENCRYPTION_KEYS!: string;

  /** Hosts that business APIs may reach over http or at private addresses (development and tests only). */
  @ToList()
  @IsArray()
  @Satisfies((value) => parseAllowList(value as string[]))
  OUTBOUND_ALLOW_HOSTS: string[] = [];
}
