import { hasHeaderBreak } from '@flowbridge/outbound';
import { AppError, isSecretKey, type SealedSecret } from '@flowbridge/platform';
import { ConnectionsErrorCode } from './errors';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const MAX_HEADERS = 50;
const MAX_VALUE = 4096;

// Set by the HTTP client or by the connection's auth; a configured value could smuggle or confuse requests.
const FORBIDDEN = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'expect',
  'idempotency-key',
]);

// Header names whose plain values are treated as secrets even without {"secret": ...}.
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
]);

export interface HeaderChanges {
  plain: Record<string, string>;
  secret: Record<string, string>;
  removed: string[];
}

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name) || isSecretKey(name);
}

/**
 * Reads a headers object: `"value"`, `{ "secret": "value" }`, or (when patching) `null` to remove.
 * Names are lower-cased: HTTP header names are case-insensitive.
 */
export function readHeaders(
  input: Record<string, unknown>,
  field: string,
  allowRemoval: boolean,
): HeaderChanges {
  const entries = Object.entries(input);
  if (entries.length > MAX_HEADERS) {
    throw AppError.validation(
      field,
      `${field} may hold at most ${MAX_HEADERS} headers`,
      ConnectionsErrorCode.InvalidHeader,
    );
  }
  const changes: HeaderChanges = { plain: {}, secret: {}, removed: [] };
  for (const [rawName, value] of entries) {
    const at = `${field}.${rawName}`;
    if (!HEADER_NAME.test(rawName)) {
      throw AppError.validation(
        at,
        `"${rawName}" is not a valid header name`,
        ConnectionsErrorCode.InvalidHeader,
      );
    }
    const name = rawName.toLowerCase();
    if (FORBIDDEN.has(name)) {
      throw AppError.validation(
        at,
        `the ${name} header is set by Flowbridge and cannot be configured`,
        ConnectionsErrorCode.ForbiddenHeader,
      );
    }
    if (value === null && allowRemoval) {
      changes.removed.push(name);
      continue;
    }
    const secret =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? readSecretValue(value, at)
        : null;
    const text = secret ?? value;
    if (typeof text !== 'string') {
      throw AppError.validation(
        at,
        `${at} must be a string or {"secret": "..."}`,
        ConnectionsErrorCode.InvalidHeader,
      );
    }
    checkHeaderValue(text, at);
    if (secret !== null || isCredentialHeader(name)) changes.secret[name] = text;
    else changes.plain[name] = text;
  }
  return changes;
}

function readSecretValue(value: object, at: string): string {
  const keys = Object.keys(value);
  const secret = (value as { secret?: unknown }).secret;
  if (keys.length !== 1 || typeof secret !== 'string') {
    throw AppError.validation(
      at,
      `${at} must be a string or {"secret": "..."}`,
      ConnectionsErrorCode.InvalidHeader,
    );
  }
  return secret;
}

export function checkHeaderValue(value: string, at: string): void {
  if (hasHeaderBreak(value)) {
    throw AppError.validation(
      at,
      `${at} must not contain line breaks or NUL`,
      ConnectionsErrorCode.InvalidHeader,
    );
  }
  if (value.length > MAX_VALUE) {
    throw AppError.validation(
      at,
      `${at} must be at most ${MAX_VALUE} characters`,
      ConnectionsErrorCode.InvalidHeader,
    );
  }
}

/**
 * Applies header changes to stored headers (merge-patch: named headers replaced, removed ones dropped),
 * sealing the secret ones.
 */
export function mergeHeaders(
  stored: { headers: Record<string, string>; secretHeaders: Record<string, SealedSecret> },
  changes: HeaderChanges,
  seal: (name: string, value: string) => SealedSecret,
): { headers: Record<string, string>; secretHeaders: Record<string, SealedSecret> } {
  const headers = { ...stored.headers };
  const secretHeaders = { ...stored.secretHeaders };
  for (const name of [...changes.removed, ...Object.keys(changes.plain), ...Object.keys(changes.secret)]) {
    delete headers[name];
    delete secretHeaders[name];
  }
  Object.assign(headers, changes.plain);
  for (const [name, value] of Object.entries(changes.secret)) secretHeaders[name] = seal(name, value);
  return { headers, secretHeaders };
}
