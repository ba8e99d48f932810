import { OutboundErrorCode } from '@flowbridge/contracts';
import { TemplateError } from '@flowbridge/flow-engine';
import { BlockedAddressError } from './guard';

/** A call that produced no usable HTTP exchange, with the stable code the flow and the call log show. */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    /** For RATE_LIMITED and CIRCUIT_OPEN: how long until trying again makes sense. */
    readonly retryAfterMs?: number,
    /** For AUTH_FAILED: the token server failed in a way that may pass (5xx, 429, network). */
    readonly transient = false,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

/**
 * Redis (OAuth2 tokens, rate limits) could not be reached: not the business API's fault, so it is not
 * turned into an api_response. The caller fails the job or answers 503, and the step runs again later.
 */
export class SharedStateError extends Error {
  constructor(cause: unknown) {
    super('Redis, which holds OAuth2 tokens and rate limits, cannot be reached', { cause });
    this.name = 'SharedStateError';
  }
}

/** Runs a Redis call, turning its failure into a SharedStateError. */
export async function sharedState<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new SharedStateError(error);
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;

/**
 * Any error thrown while sending → an OutboundError whose message names no secret: only the code and
 * the library's first line (an HTTP client's error object carries the request headers; it is not kept).
 */
export function toOutboundError(error: unknown): OutboundError {
  if (error instanceof OutboundError) return error;
  if (error instanceof TemplateError) return new OutboundError(OutboundErrorCode.Template, error.message);
  const chain = causes(error);
  const blocked = chain.find((e): e is BlockedAddressError => e instanceof BlockedAddressError);
  if (blocked) return new OutboundError(OutboundErrorCode.BlockedAddress, blocked.message);
  const code = chain
    .map((e) => (e as { code?: unknown }).code)
    .find((c) => typeof c === 'string' && c !== 'ERR_BAD_RESPONSE') as string | undefined;
  const message = firstLine(chain.at(-1) ?? error);
  if (code && DNS_CODES.has(code))
    return new OutboundError(OutboundErrorCode.Dns, `DNS lookup failed (${code})`);
  if (code && TLS_CODE.test(code)) return new OutboundError(OutboundErrorCode.Tls, `TLS failed: ${message}`);
  return new OutboundError(OutboundErrorCode.Network, code ? `${code}: ${message}` : message);
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current !== null && current !== undefined && chain.length < 5) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 300);
}
