export const REDACTED = '[REDACTED]';

// Keys whose values are secrets wherever they appear: headers, configs, error objects, payloads.
const SECRET_KEY =
  /(^|[-_])?(authorization|cookie|password|passwd|secret|token|api[-_]?key|apikey|private[-_]?key|encryption[-_]?keys|credentials?)$/i;
// Keys that merely contain those words but hold no secret.
const SAFE_KEY = /^(token[-_]?url|tokenType|token_type|secret[-_]?set|has[-_]?secret)$/i;

const SECRET_IN_TEXT: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // "Token <value>" only when the value looks like one (has a digit): "token endpoint" is prose.
  [/\b(Token)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\bfb_[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`],
  // Any query parameter whose name ends in one of these, e.g. `hub.verify_token` and `hub.challenge` of
  // Meta's handshake, `access_token`, `client_secret`.
  [
    /([?&][\w.[\]-]*?(?:api[-_]?key|apikey|key|token|password|secret|sig|signature|challenge)=)[^&\s#]+/gi,
    `$1${REDACTED}`,
  ],
];

const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !SAFE_KEY.test(key);
}

// Every pattern above needs one of these: most text has none and skips the patterns.
const MAY_HOLD_SECRET = /bearer|basic|token|fb_|@|[?&]/i;

export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Returns a copy of `value` fit for a log line: secret-named keys replaced, secret-looking strings
 * scrubbed, errors turned into plain objects (their own properties included: an HTTP client's error
 * carries the request's headers), class instances other than errors reduced to their name.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);

  if (value instanceof Error) return redactError(value, depth, seen);
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactDeep(item, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;

  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return redactDeep(toJSON.call(value), depth + 1, seen);
    return `[${(proto.constructor as { name?: string } | undefined)?.name ?? 'Object'}]`;
  }
  return redactEntries(value as Record<string, unknown>, depth, seen);
}

function redactEntries(
  value: Record<string, unknown>,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && item !== null && item !== undefined && item !== ''
        ? REDACTED
        : redactDeep(item, depth + 1, seen);
  }
  return out;
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const own = redactEntries({ ...error }, depth, seen);
  const out: Record<string, unknown> = {
    type: error.name,
    message: redactText(error.message),
    ...own,
  };
  if (error.stack) out.stack = redactText(error.stack);
  if (error.cause !== undefined) out.cause = redactDeep(error.cause, depth + 1, seen);
  return out;
}
