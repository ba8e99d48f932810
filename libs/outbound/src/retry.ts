import type { ApiResponse, RetryPolicy } from '@flowbridge/contracts';

/** Codes that say "try again later"; policy refusals, template errors and TLS failures are final. */
const RETRYABLE_CODES = new Set(['TIMEOUT', 'NETWORK_ERROR', 'DNS_ERROR', 'CIRCUIT_OPEN', 'RATE_LIMITED']);

/** Network errors, timeouts, 408, 429 and 5xx are worth another attempt; other 4xx are not. */
export function isRetryable(response: ApiResponse, transientAuthFailure = false): boolean {
  if (response.status === 'success' || response.error === null) return false;
  const { code } = response.error;
  if (code === 'HTTP_STATUS') {
    const status = response.statusCode ?? 0;
    return status === 408 || status === 429 || status >= 500;
  }
  if (code === 'AUTH_FAILED') return transientAuthFailure;
  return RETRYABLE_CODES.has(code);
}

/**
 * Delay before attempt `attempt + 1`. Exponential with full jitter (a uniform draw below the capped
 * exponential step), so that many runs failing together do not retry together; or a fixed delay.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  if (policy.backoff === 'fixed') return policy.delayMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as delay-seconds or an HTTP date → milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
