import type { SuccessWhen } from '@flowbridge/contracts';
import { statusRange } from '@flowbridge/outbound';
import { AppError } from '@flowbridge/platform';
import { ConnectionsErrorCode } from './errors';

export const DEFAULT_SUCCESS_WHEN: SuccessWhen = { status: ['2xx'] };
const OPERATORS = ['is', 'is_not', 'exists', 'not_exists'] as const;

/** Status codes (`200`), classes (`"2xx"`) or ranges (`"200-299"`), plus an optional condition on the body. */
export function checkSuccessWhen(input: unknown, field = 'successWhen'): SuccessWhen {
  const fail = (at: string, message: string): AppError =>
    AppError.validation(at, message, ConnectionsErrorCode.InvalidSuccessWhen);
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw fail(field, `${field} must be an object`);
  const { status, body, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra)
    throw AppError.validation(`${field}.${extra}`, `Unknown property "${field}.${extra}"`, 'UNKNOWN_FIELD');
  if (!Array.isArray(status) || status.length === 0 || status.length > 20) {
    throw fail(`${field}.status`, `${field}.status must list 1-20 status codes or ranges, e.g. ["2xx", 304]`);
  }
  status.forEach((entry, i) => {
    if (statusRange(entry) === null)
      throw fail(`${field}.status.${i}`, `${JSON.stringify(entry)} is not a status code, "2xx" or "200-299"`);
  });
  const result: SuccessWhen = { status: status as Array<number | string> };
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body))
      throw fail(`${field}.body`, `${field}.body must be an object`);
    const { path, operator, value, ...more } = body as Record<string, unknown>;
    const unknown = Object.keys(more)[0];
    if (unknown)
      throw AppError.validation(
        `${field}.body.${unknown}`,
        `Unknown property "${field}.body.${unknown}"`,
        'UNKNOWN_FIELD',
      );
    if (typeof path !== 'string' || !/^[^\s]{1,200}$/.test(path))
      throw fail(`${field}.body.path`, 'path must be a dotted path into the body');
    if (!OPERATORS.includes(operator as (typeof OPERATORS)[number])) {
      throw fail(`${field}.body.operator`, `operator must be one of: ${OPERATORS.join(', ')}`);
    }
    if (value !== undefined && typeof value !== 'string')
      throw fail(`${field}.body.value`, 'value must be a string');
    result.body = {
      path,
      operator: operator as (typeof OPERATORS)[number],
      ...(value !== undefined ? { value } : {}),
    };
  }
  return result;
}
