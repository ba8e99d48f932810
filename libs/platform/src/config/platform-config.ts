import { TEST_INTERNAL_KEY } from '../crypto/internal-key';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { ToInt, ToNumber } from './env-transforms';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every service reads. A service's own config class extends this one. */
export class PlatformConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// connection URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/flowbridge';

  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /**
   * The role migrations run as (it owns the tables), when the services connect as another one (DATABASE_URL):
   * migrating then creates that role if missing and grants it the data, under row-level security.
   */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// connection URL' })
  DATABASE_MIGRATION_URL?: string;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * The key the services share (at least 32 characters; `openssl rand -base64 32`): it seals every RPC
   * message and reply on Redis and signs every queued job, so a client of Redis without it can neither read
   * a secret nor make a service act. Required except under NODE_ENV=test. Same value on every service.
   */
  @ValidateIf((config: PlatformConfig) => config.NODE_ENV !== 'test' || config.INTERNAL_KEY !== undefined)
  @Matches(/^\S{32,}$/, { message: 'is required: at least 32 characters (openssl rand -base64 32)' })
  INTERNAL_KEY?: string;

  /** Prefix of every RPC and event channel: deployments sharing one Redis must each have their own. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_", "." or "-"' })
  RPC_NAMESPACE = 'flowbridge';

  /** Prefix of every BullMQ key: deployments (and test runs) sharing one Redis must each have their own. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_", "." or "-"' })
  QUEUE_PREFIX = 'fb';

  /**
   * Finished jobs kept per queue (besides the 24-hour age limit), so that Redis memory stays bounded under
   * any load. Their ids only speed up duplicate detection: the unique keys in Postgres decide.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(10)
  @Max(10_000_000)
  QUEUE_KEEP_COMPLETED = 10_000;

  /** Trigger queue partitions (`flow-triggers.0…N-1`): contacts run in parallel up to N. Same on every service. */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1024)
  TRIGGER_PARTITIONS = 16;

  /** Navigation queue partitions (`flow-navigation.0…N-1`): contacts are sent to in parallel up to N. Same on every service. */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1024)
  NAVIGATION_PARTITIONS = 16;

  /** Seeds one admin key at start-up, for local use. */
  @IsOptional()
  @IsString()
  @MinLength(24, {
    message: 'must be at least 24 characters (use `npm run cli -- keys:create` for a real key)',
  })
  ADMIN_API_KEY?: string;

  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
    message: 'must be 1-63 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
  })
  ADMIN_WORKSPACE = 'default';

  /**
   * Admin API requests one workspace may make per minute (all its keys together), across every replica
   * (counted in Redis); over it the answer is 429 with Retry-After. Webhooks, health and metrics are not counted.
   */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1_000_000)
  ADMIN_RATE_LIMIT_PER_MINUTE = 12_000;

  /** Admin API requests per minute from one client address that shows no valid key (garbage keys count here). */
  @ToInt()
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1_000_000)
  ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 300;

  /**
   * Express's `trust proxy` (https://expressjs.com/en/guide/behind-proxies.html): how the client address of
   * the anonymous rate limit is found behind a load balancer. `false` (default): the connecting address;
   * a number: that many proxies in front; or a comma-separated list of trusted subnets.
   */
  @Matches(/^(false|true|\d{1,2}|[0-9a-fA-F.:/, ]+|loopback|linklocal|uniquelocal)$/, {
    message: 'must be false, a number of proxies, or a comma-separated list of subnets',
  })
  TRUST_PROXY = 'false';

  /** When set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>` (for deployments that expose it). */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** Largest JSON body an admin route accepts. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(1024)
  @Max(10 * 1024 * 1024)
  HTTP_BODY_LIMIT_BYTES = 256 * 1024;

  /** Longest a graceful shutdown may take before the process exits anyway. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 25_000;

  /** Time between "not ready" and closing the listener, so that load balancers stop routing first. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DRAIN_DELAY_MS = 0;

  /**
   * OpenTelemetry: where spans go, as OTLP over HTTP (JSON). Unset (with the next one), tracing is off and costs
   * nothing. The base URL of a collector (`/v1/traces` is added), as in every OpenTelemetry SDK.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The full URL of the traces endpoint, when it is not the base URL's `/v1/traces`. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** Share of traces kept (0-1), decided once where a trace starts (the webhook, a run's start). */
  @ToNumber()
  @IsNumber({}, { message: 'must be a number from 0 to 1' })
  @Min(0)
  @Max(1)
  OTEL_TRACES_SAMPLER_ARG = 1;

  /** Longest a finished span waits before it is sent (spans go in batches). */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(10)
  @Max(60_000)
  OTEL_BSP_SCHEDULE_DELAY = 5000;
}

/** INTERNAL_KEY, or under NODE_ENV=test (only) the fixed test key. */
export function internalKeyOf(config: Pick<PlatformConfig, 'INTERNAL_KEY' | 'NODE_ENV'>): string {
  if (config.INTERNAL_KEY) return config.INTERNAL_KEY;
  if (config.NODE_ENV === 'test') return TEST_INTERNAL_KEY;
  throw new Error('INTERNAL_KEY is required');
}
