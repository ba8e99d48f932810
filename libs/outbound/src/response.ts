import type { ApiResponse, JsonValue, OutboundErrorCode, SuccessWhen } from '@flowbridge/contracts';
import { lookupPath } from '@flowbridge/flow-engine';
import type { RawResponse } from './transport';

/** Response headers a flow may read; cookies and anything else stay out of the run's variables. */
const KEPT_HEADER =
  /^(content-type|content-length|content-language|etag|last-modified|location|retry-after|date|x-request-id|x-correlation-id|request-id|x-ratelimit-[a-z-]+|ratelimit(-[a-z-]+)?)$/;

export interface ParsedBody {
  data: JsonValue;
  invalidJson: boolean;
}

/**
 * JSON when the response says it is JSON (or, without a JSON content type, when the text parses as an
 * object or array); otherwise the text. A body that claims JSON and does not parse is text, flagged.
 */
export function parseBody(raw: Pick<RawResponse, 'body' | 'headers' | 'truncated'>): ParsedBody {
  if (raw.body.length === 0) return { data: null, invalidJson: false };
  const text = raw.body.toString('utf8');
  const claimsJson = /[/+]json\b/i.test(raw.headers['content-type'] ?? '');
  const looksJson = /^\s*[[{]/.test(text);
  if (!claimsJson && !looksJson) return { data: text, invalidJson: false };
  try {
    return { data: JSON.parse(text) as JsonValue, invalidJson: false };
  } catch {
    return { data: text, invalidJson: claimsJson };
  }
}

export function keptHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => KEPT_HEADER.test(name)));
}

/**
 * A successWhen status rule — a code (`200`), a class (`"2xx"`) or a range (`"200-299"`) — as the
 * inclusive range of codes it covers; null when it is not a valid rule (save-time validation uses this).
 */
export function statusRange(rule: unknown): [number, number] | null {
  if (typeof rule === 'number')
    return Number.isInteger(rule) && rule >= 100 && rule <= 599 ? [rule, rule] : null;
  if (typeof rule !== 'string') return null;
  const cls = /^([1-5])xx$/i.exec(rule);
  if (cls) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99];
  const range = /^(\d{3})-(\d{3})$/.exec(rule);
  if (!range) return null;
  const [from, to] = [Number(range[1]), Number(range[2])];
  return from >= 100 && to <= 599 && from <= to ? [from, to] : null;
}

export function statusMatches(rules: SuccessWhen['status'], statusCode: number): boolean {
  return rules.some((rule) => {
    const range = statusRange(rule);
    return range !== null && statusCode >= range[0] && statusCode <= range[1];
  });
}

/** The API's `successWhen`: a matching status and, when set, a condition on a field of the body. */
export function meetsSuccessWhen(rule: SuccessWhen, statusCode: number, data: JsonValue): boolean {
  if (!statusMatches(rule.status, statusCode)) return false;
  if (!rule.body) return true;
  const found = lookupPath(data, rule.body.path);
  const present = found !== undefined && found !== null;
  switch (rule.body.operator) {
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    case 'is':
      return present && scalarText(found) === (rule.body.value ?? '');
    case 'is_not':
      return !present || scalarText(found) !== (rule.body.value ?? '');
  }
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export interface ResponseContext {
  attempts: number;
  durationMs: number;
}

/** A response that arrived → api_response. Success needs `successWhen` and an uncut body. */
export function responseOf(raw: RawResponse, rule: SuccessWhen, context: ResponseContext): ApiResponse {
  const { data, invalidJson } = parseBody(raw);
  let error: ApiResponse['error'] = null;
  if (raw.truncated) {
    error = {
      code: 'RESPONSE_TOO_LARGE',
      message: `the body is larger than ${raw.body.length} bytes and was cut`,
    };
  } else if (!meetsSuccessWhen(rule, raw.statusCode, data)) {
    error = {
      code: 'HTTP_STATUS',
      message: statusMatches(rule.status, raw.statusCode)
        ? `HTTP ${raw.statusCode}, but the body does not meet successWhen`
        : `HTTP ${raw.statusCode} is not a success status for this API`,
    };
  }
  return {
    status: error ? 'failure' : 'success',
    statusCode: raw.statusCode,
    data,
    headers: keptHeaders(raw.headers),
    error,
    attempts: context.attempts,
    durationMs: context.durationMs,
    truncated: raw.truncated,
    ...(invalidJson ? { invalidJson } : {}),
  };
}

/** No response arrived (timeout, refused, blocked, template error, …) → api_response. */
export function failureOf(code: OutboundErrorCode, message: string, context: ResponseContext): ApiResponse {
  return {
    status: 'failure',
    statusCode: null,
    data: null,
    headers: {},
    error: { code, message },
    attempts: context.attempts,
    durationMs: context.durationMs,
    truncated: false,
  };
}

/** `responseMapping` → named variables; a path that is missing gives null and never throws. */
export function mapResponse(
  mapping: Record<string, string>,
  response: ApiResponse,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [variable, path] of Object.entries(mapping)) {
    const value = lookupPath(response, path);
    out[variable] = value === undefined ? null : (value as JsonValue);
  }
  return out;
}
