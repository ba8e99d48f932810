import type { ApiResponse } from '@flowbridge/contracts';
import { backoffDelay, isRetryable, parseRetryAfter } from './retry';

const failure = (code: string, statusCode: number | null = null): ApiResponse => ({
  status: 'failure',
  statusCode,
  data: null,
  headers: {},
  error: { code: code as NonNullable<ApiResponse['error']>['code'], message: '' },
  attempts: 1,
  durationMs: 1,
  truncated: false,
});

describe('retry classification', () => {
  it('retries network errors, timeouts, DNS failures, 408, 429 and 5xx', () => {
    for (const code of ['TIMEOUT', 'NETWORK_ERROR', 'DNS_ERROR', 'CIRCUIT_OPEN', 'RATE_LIMITED'])
      expect(isRetryable(failure(code))).toBe(true);
    for (const status of [408, 429, 500, 502, 503, 504])
      expect(isRetryable(failure('HTTP_STATUS', status))).toBe(true);
  });

  it('does not retry other 4xx, policy refusals, template errors, TLS or refused credentials', () => {
    for (const status of [400, 401, 403, 404, 409, 422])
      expect(isRetryable(failure('HTTP_STATUS', status))).toBe(false);
    for (const code of [
      'BLOCKED_ADDRESS',
      'TEMPLATE_ERROR',
      'TOO_MANY_REDIRECTS',
      'RESPONSE_TOO_LARGE',
      'TLS_ERROR',
    ])
      expect(isRetryable(failure(code))).toBe(false);
    expect(isRetryable(failure('AUTH_FAILED'))).toBe(false);
    expect(isRetryable(failure('AUTH_FAILED'), true)).toBe(true);
  });
});

describe('backoff', () => {
  const policy = { attempts: 5, backoff: 'exponential' as const, delayMs: 100, maxDelayMs: 1_000 };

  it('draws below a doubling ceiling, capped (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, () => 0.999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
  });

  it('a fixed policy waits the same every time', () => {
    expect(backoffDelay({ ...policy, backoff: 'fixed' }, 4, () => 0.1)).toBe(100);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
