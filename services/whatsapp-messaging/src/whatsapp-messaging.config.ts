import { parseKeyRing, PlatformConfig, Satisfies, ToInt } from '@flowbridge/platform';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

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

  /**
   * The send lane's single statements, the admin API and the sweeps share it; a send holds no connection across
   * the Graph POST, so the pool does not grow with NAVIGATION_PARTITIONS. Meta's webhooks are written through
   * a pool of their own, of WEBHOOK_WRITE_CONCURRENCY + 1 connections (`webhookPoolSize`): 16 in all by default.
   */
  override DATABASE_POOL_SIZE = 14;

  /** Largest webhook body accepted (Meta batches up to 1,000 changes; 3 MB covers them). */
  @ToInt()
  @IsInt()
  @Min(64 * 1024)
  @Max(16 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 3 * 1024 * 1024;

  /**
   * Statements one process writes webhooks in at once; each writes every webhook that waited for it (group
   * commit, up to 64). Each holds a database connection. One lets the batches grow with the load, and each
   * commit's fixed cost is shared the most (docs/benchmarks.md, "One transaction in flight"); more help only
   * where a commit is slow against the work in it (a distant database).
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(32)
  WEBHOOK_WRITE_CONCURRENCY = 1;

  /**
   * Contacts one process sends to at once. A navigation job ends once its messages are queued; the sends run
   * outside the navigation partitions, so sends per second are not bounded by partitions ÷ Cloud API latency.
   * A send holds no database connection across the Graph POST.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1024)
  SEND_CONCURRENCY = 64;

  /** How long one send to the Cloud API may take before it counts as failed (and is retried). */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(120_000)
  GRAPH_API_TIMEOUT_MS = 15_000;

  /** Tries per message for the errors worth retrying (130429, 5xx, no answer) before it is recorded as failed. */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(50)
  SEND_RETRY_ATTEMPTS = 8;

  /** The first retry's delay; each next one doubles, with jitter, up to SEND_RETRY_MAX_MS. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10)
  @Max(600_000)
  SEND_RETRY_BASE_MS = 1000;

  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10)
  @Max(3_600_000)
  SEND_RETRY_MAX_MS = 60_000;

  /**
   * A send cut off by a crash may or may not have reached Meta. Its status webhook (which carries the
   * message's callback data) settles it; with none after this long it is sent again.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100)
  @Max(3_600_000)
  SEND_IN_DOUBT_GRACE_MS = 60_000;

  /**
   * The longest a WhatsApp Flows screen request is held for the worker's answer. The worker answers within
   * the footer's deadline (at most 7 s); past this the person sees an error on their screen (or, on opening, the
   * form closes). WhatsApp gives up near 10 s.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(9500)
  FLOW_ENDPOINT_WAIT_MS = 8000;

  /**
   * Where WhatsApp reaches this service from the internet (https in production): a published form's data
   * endpoint is `<this>/webhooks/whatsapp-flows/<channel id>`. Unset, flows with forms cannot be published.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  PUBLIC_BASE_URL?: string;
}

/** The connections Meta's webhooks are written through: one a writer, and one for the Redis epoch check's requeue. */
export function webhookPoolSize(config: Pick<WhatsappMessagingConfig, 'WEBHOOK_WRITE_CONCURRENCY'>): number {
  return config.WEBHOOK_WRITE_CONCURRENCY + 1;
}
