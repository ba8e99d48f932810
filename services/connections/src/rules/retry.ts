import type { RetryPolicy } from '@flowbridge/contracts';
import { AppError } from '@flowbridge/platform';
import type { RetryDto } from '../connections/connection.dto';

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  backoff: 'exponential',
  delayMs: 500,
  maxDelayMs: 30_000,
};
export const DEFAULT_TIMEOUT_MS = 10_000;

export function mergeRetry(base: RetryPolicy, patch: RetryDto, field: string): RetryPolicy {
  const merged: RetryPolicy = {
    attempts: patch.attempts ?? base.attempts,
    backoff: patch.backoff ?? base.backoff,
    delayMs: patch.delayMs ?? base.delayMs,
    maxDelayMs: patch.maxDelayMs ?? base.maxDelayMs,
  };
  if (merged.maxDelayMs < merged.delayMs) {
    throw AppError.validation(
      `${field}.maxDelayMs`,
      `${field}.maxDelayMs must be at least ${field}.delayMs (${merged.delayMs})`,
    );
  }
  return merged;
}
