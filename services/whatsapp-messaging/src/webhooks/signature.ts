import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict = 'ok' | 'missing' | 'malformed' | 'invalid';

const HEADER = /^sha256=([0-9a-fA-F]+)$/;
const SHA256_HEX_LENGTH = 64;

/**
 * Meta's `X-Hub-Signature-256`: `sha256=` + hex HMAC-SHA256 of the raw body bytes with the app secret.
 * The length is checked before the constant-time compare (which requires equal lengths).
 */
export function checkSignature(raw: Buffer, header: string | undefined, appSecret: string): SignatureVerdict {
  if (header === undefined || header === '') return 'missing';
  const hex = HEADER.exec(header.trim())?.[1];
  if (hex === undefined || hex.length !== SHA256_HEX_LENGTH) return 'malformed';
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected) ? 'ok' : 'invalid';
}
