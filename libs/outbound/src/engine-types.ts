import type {
  ApiResponse,
  CallLogEntry,
  JsonValue,
  OutboundErrorCode,
  ResolvedApi,
  ResolvedConnection,
} from '@flowbridge/contracts';
import type { Redis } from 'ioredis';
import type { AllowEntry } from './allow-list';
import type { Resolver } from './guard';
import type { BreakerOptions } from './protection';
import type { TransportOptions } from './transport';

// What the request engine takes and gives (engine.ts).

export interface RequestEngineOptions {
  allowList: readonly AllowEntry[];
  /** Shared state: OAuth2 tokens and rate limits. */
  redis: Redis;
  resolver?: Resolver;
  agents?: TransportOptions['agents'];
  maxResponseBytes?: number;
  breaker?: Partial<BreakerOptions>;
  /** A step's budget across all its attempts and waits (default 120 s). */
  deadlineMs?: number;
  /** The longest `Retry-After` honoured; a longer one ends the step (default 60 s). */
  maxRetryAfterMs?: number;
  /** Waits that do not count as attempts (429 with `Retry-After`, the local rate limit), at most (default 10). */
  maxFreeRetries?: number;
  redisPrefix?: string;
  userAgent?: string;
  random?: () => number;
}

/** One attempt of one `data_exchange` step. The caller keeps the counters between attempts. */
export interface AttemptInput {
  connection: ResolvedConnection;
  api: ResolvedApi;
  variables: Record<string, unknown>;
  /** The same on every attempt of the step (sent as `Idempotency-Key` when the API wants one). */
  idempotencyKey?: string;
  /** 1 for the step's first call, counting every call. */
  attempt: number;
  /** Calls before this one that counted against the API's retry attempts. */
  countedAttempts: number;
  /** When the step's first attempt started (epoch ms). */
  startedAt: number;
  /** Epoch ms after which no attempt starts; default `startedAt` + the engine's deadline. */
  deadlineAt?: number;
}

export interface AttemptResult {
  /** The `api_response` of this attempt (a failure when a retry is planned too). */
  response: ApiResponse;
  /** `responseMapping` applied: named variables, null where a path is missing. */
  variables: Record<string, JsonValue>;
  log: CallLogEntry;
  /** Try again after `afterMs`; `counted` says whether this attempt used one of the policy's attempts. */
  retry: { afterMs: number; counted: boolean } | null;
}

export interface InlineResult {
  response: ApiResponse;
  variables: Record<string, JsonValue>;
  attempts: CallLogEntry[];
}

export interface ProbeResult {
  statusCode: number | null;
  error: { code: OutboundErrorCode; message: string } | null;
  latencyMs: number;
}
