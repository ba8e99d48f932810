import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** What is stored for one secret: everything but the key, plus a short hint for masking. */
export interface SealedSecret {
  v: 1;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
  /** Last characters of a long secret, shown masked ("••••1234"); absent for short ones. */
  hint?: string;
}

export class SecretBoxError extends Error {
  constructor(
    readonly code: 'UNKNOWN_KEY_ID' | 'DECRYPTION_FAILED' | 'MALFORMED_SECRET' | 'INVALID_KEYS',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/**
 * Parses `ENCRYPTION_KEYS`: comma-separated `id:base64key` pairs of 32-byte keys. The first encrypts;
 * all of them decrypt, so that a key can be rotated without downtime.
 */
export function parseKeyRing(spec: string): Map<string, Buffer> {
  const ring = new Map<string, Buffer>();
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = item.indexOf(':');
    const id = colon > 0 ? item.slice(0, colon) : '';
    if (!KEY_ID.test(id)) {
      throw new SecretBoxError(
        'INVALID_KEYS',
        'each entry must be "id:base64key" with an id of A-Z, a-z, 0-9, _ or -',
      );
    }
    const key = Buffer.from(item.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError(
        'INVALID_KEYS',
        `key "${id}" must decode to ${KEY_BYTES} bytes (openssl rand -base64 32)`,
      );
    }
    if (ring.has(id)) throw new SecretBoxError('INVALID_KEYS', `key id "${id}" appears twice`);
    ring.set(id, key);
  }
  if (ring.size === 0) throw new SecretBoxError('INVALID_KEYS', 'at least one key is required');
  return ring;
}

/**
 * AES-256-GCM with a random 12-byte IV per secret. The associated data binds a ciphertext to its owner
 * (e.g. workspace, connection and field), so that a ciphertext copied onto another row does not decrypt.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: Map<string, Buffer> | string) {
    this.keys = typeof keys === 'string' ? parseKeyRing(keys) : keys;
    const first = this.keys.keys().next();
    if (first.done) throw new SecretBoxError('INVALID_KEYS', 'at least one key is required');
    this.currentKeyId = first.value;
  }

  seal(plaintext: string, associatedData: string): SealedSecret {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed: SealedSecret = {
      v: 1,
      kid: this.currentKeyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
    const hint = maskHint(plaintext);
    if (hint) sealed.hint = hint;
    return sealed;
  }

  open(sealed: SealedSecret, associatedData: string): string {
    if (!isSealedSecret(sealed))
      throw new SecretBoxError('MALFORMED_SECRET', 'the stored secret is malformed');
    const key = this.keys.get(sealed.kid);
    if (!key) {
      throw new SecretBoxError(
        'UNKNOWN_KEY_ID',
        `the secret was encrypted with key "${sealed.kid}", which is not configured`,
      );
    }
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    // GCM accepts short tags unless told otherwise; a truncated tag must fail, not weaken the check.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('MALFORMED_SECRET', 'the stored secret has a wrong IV or tag length');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError(
        'DECRYPTION_FAILED',
        'the stored secret failed authentication (tampered or wrong key)',
      );
    }
  }

  /** True when the secret is not under the current key and should be re-encrypted. */
  needsRotation(sealed: SealedSecret): boolean {
    return sealed.kid !== this.currentKeyId;
  }

  rotate(sealed: SealedSecret, associatedData: string): SealedSecret {
    return this.seal(this.open(sealed, associatedData), associatedData);
  }
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.v === 1 &&
    typeof v.kid === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.tag === 'string' &&
    typeof v.ct === 'string'
  );
}

const MASK = '••••';

/** Only secrets long enough to stay secret with four characters shown get a hint. */
function maskHint(plaintext: string): string | undefined {
  return plaintext.length >= 16 ? plaintext.slice(-4) : undefined;
}

/** What an API response shows for a stored secret. */
export function maskSecret(sealed: SealedSecret | null | undefined): string | null {
  if (!sealed) return null;
  return sealed.hint ? `${MASK}${sealed.hint}` : MASK;
}
