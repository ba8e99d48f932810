import { parseKeyRing, PlatformConfig, Satisfies, ToInt } from '@flowbridge/platform';
import { IsInt, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

export class WhatsappMessagingConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  WHATSAPP_MESSAGING_PORT = 3004;

  /** `id:base64key` pairs of 32-byte keys; the first encrypts, all decrypt (channel tokens and app secrets). */
  @IsString({ message: 'is required: comma-separated id:base64key pairs (openssl rand -base64 32)' })
  @Satisfies((value) => parseKeyRing(value as string))
  ENCRYPTION_KEYS!: string;

  /** Where the Cloud API is: Meta's Graph API, or the sandbox (`npm run sandbox`) for local use and tests. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  GRAPH_API_BASE_URL = 'https://graph.facebook.com';

  /** The Graph API version a channel uses unless it names its own. */
  @Matches(/^v\d{1,3}\.\d{1,2}$/, { message: 'must look like v24.0' })
  GRAPH_API_VERSION = 'v24.0';

  /** Largest webhook body accepted (Meta batches up to 1,000 changes; 3 MB covers them). */
  @ToInt()
  @IsInt()
  @Min(64 * 1024)
  @Max(16 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 3 * 1024 * 1024;
}
