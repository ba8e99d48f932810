import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The key the services share to trust each other over Redis (INTERNAL_KEY): whoever can reach Redis but
 * does not hold it can neither read what one service tells another nor make a service act. Each use gets
 * its own key derived from it (HKDF), so a value made for one purpose never verifies for another.
 */
export type InternalPurpose = 'rpc' | 'flow-tokens' | 'form-exchanges' | 'flow-imports' | `jobs:${string}`;

/** Used only when NODE_ENV=test and no INTERNAL_KEY is set: every test service then agrees on it. */
export const TEST_INTERNAL_KEY = 'flowbridge-test-internal-key-not-for-production-use';

export function purposeKey(internalKey: string, purpose: InternalPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', internalKey, 'flowbridge', `flowbridge/${purpose}/v1`, 32));
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM under a purpose key, bound to `context` (associated data, e.g. the channel and request id):
 * confidential and authentic, and a sealed value moved to another context does not open.
 */
export class InternalSeal {
  constructor(private readonly key: Buffer) {}

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plain text, or null when the value was not sealed with this key for this context. */
  open(sealed: unknown, context: string): string | null {
    if (typeof sealed !== 'string') return null;
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }
}

/** HMAC-SHA256 tags under a purpose key, compared in constant time. */
export class InternalMac {
  constructor(private readonly key: Buffer) {}

  tag(...parts: string[]): string {
    const hmac = createHmac('sha256', this.key);
    // Length-prefixed, so that ("ab","c") and ("a","bc") never share a tag.
    for (const part of parts) hmac.update(`${Buffer.byteLength(part)}:`).update(part);
    return hmac.digest('base64url');
  }

  verify(tag: unknown, ...parts: string[]): boolean {
    if (typeof tag !== 'string') return false;
    const expected = Buffer.from(this.tag(...parts));
    const given = Buffer.from(tag);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
