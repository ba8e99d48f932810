import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Meta's `X-Hub-Signature-256`: `sha256=` + 64 hex digits, the HMAC-SHA256 of the raw body bytes with the
 * app secret. The digest it claims, or why there is none.
 */
export function signatureDigest(header: string | undefined): Buffer | 'missing' | 'malformed' {
  if (header === undefined || header === '') return 'missing';
  const hex = HEADER.exec(header.trim())?.[1];
  return hex === undefined ? 'malformed' : Buffer.from(hex, 'hex');
}

/** Of the candidate app secrets, the one that signed these bytes (compared in constant time), if any. */
export function signerOf(raw: Buffer, digest: Buffer, secrets: Iterable<string>): string | null {
  for (const secret of secrets)
    if (timingSafeEqual(createHmac('sha256', secret).update(raw).digest(), digest)) return secret;
  return null;
}

/**
 * The phone number ids and other ids a body names, found by pattern in its bytes without parsing it: only
 * to tell a body for a number we do not serve (acknowledged) from a forged one for a number we do (401).
 */
export function idsNamedIn(raw: Buffer): Set<string> {
  const ids = new Set<string>();
  for (const m of raw.toString('utf8').matchAll(/"(?:phone_number_id|id)"\s*:\s*"(\d{1,32})"/g))
    ids.add(m[1]);
  return ids;
}
