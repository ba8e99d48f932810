// What one call to a business API produces: the `api_response` variable and the call-log entries.
import type { JsonValue } from './connections';

export const OutboundErrorCode = {
  Timeout: 'TIMEOUT',
  Network: 'NETWORK_ERROR',
  Dns: 'DNS_ERROR',
  Tls: 'TLS_ERROR',
  BlockedAddress: 'BLOCKED_ADDRESS',
  TooManyRedirects: 'TOO_MANY_REDIRECTS',
  ResponseTooLarge: 'RESPONSE_TOO_LARGE',
  HttpStatus: 'HTTP_STATUS',
  AuthFailed: 'AUTH_FAILED',
  RateLimited: 'RATE_LIMITED',
  CircuitOpen: 'CIRCUIT_OPEN',
  Template: 'TEMPLATE_ERROR',
  /** The API or its connection no longer exists (deleted after the flow was published). */
  ApiNotFound: 'API_NOT_FOUND',
  /**
   * The attempt's job failed for good without an answer: its worker died more often than BullMQ allows
   * (stalled twice), or it could not record its result within its retries. The step takes its failure screen.
   */
  StepAbandoned: 'STEP_ABANDONED',
} as const;
export type OutboundErrorCode = (typeof OutboundErrorCode)[keyof typeof OutboundErrorCode];

/** The result variable of a `data_exchange` action (SPEC §2). */
export interface ApiResponse {
  status: 'success' | 'failure';
  /** The HTTP status, or null when no response arrived. */
  statusCode: number | null;
  /** The body parsed as JSON when it is JSON, else its text; null without a body. */
  data: JsonValue;
  /** A selection of response headers (content type, request ids, rate-limit hints); never cookies. */
  headers: Record<string, string>;
  error: { code: OutboundErrorCode; message: string } | null;
  /** Attempts made so far, this one included. */
  attempts: number;
  /** Time from the first attempt's start to the end of this one. */
  durationMs: number;
  /** The body was longer than the limit and was cut. */
  truncated: boolean;
  /** The response said it was JSON but did not parse: `data` holds the text. */
  invalidJson?: boolean;
}

/** One attempt, as the call log keeps it: secrets masked, bodies cut to 10 KB. */
export interface CallLogEntry {
  attempt: number;
  startedAt: string;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  statusCode: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  /** Bytes received (decoded), before any cut. */
  responseSize: number;
  truncated: boolean;
  durationMs: number;
  errorCode: OutboundErrorCode | null;
  errorMessage: string | null;
  /** Hosts of redirect hops followed, in order. */
  redirects: string[];
}
