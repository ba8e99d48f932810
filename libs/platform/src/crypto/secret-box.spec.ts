import { randomBytes } from 'node:crypto';
import { maskSecret, parseKeyRing, SecretBox, SecretBoxError } from './secret-box';

const key = (): string => randomBytes(32).toString('base64');
const AAD = 'flowbridge/ws/connection/1/auth.token';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SecretBoxError) return error.code;
    throw error;
  }
  throw new Error('expected a SecretBoxError');
}

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(`k1:${key()}`);

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('super-secret-token-value', AAD);
    expect(sealed.kid).toBe('k1');
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(sealed)).not.toContain('super-secret');
    expect(box.open(sealed, AAD)).toBe('super-secret-token-value');
  });

  it('[D7] uses a fresh IV for every secret', () => {
    const a = box.seal('same', AAD);
    const b = box.seal('same', AAD);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    // 10^5 seals: no IV twice (a repeated GCM nonce under one key would leak the XOR of two plaintexts).
    const ivs = new Set<string>();
    for (let i = 0; i < 100_000; i++) ivs.add(box.seal('x', AAD).iv);
    expect(ivs.size).toBe(100_000);
  });

  it('[D7] refuses tampered ciphertext', () => {
    const sealed = box.seal('value-to-protect', AAD);
    const ct = Buffer.from(sealed.ct, 'base64');
    ct[0] ^= 0x01;
    expect(code(() => box.open({ ...sealed, ct: ct.toString('base64') }, AAD))).toBe('DECRYPTION_FAILED');
  });

  it('[D7] refuses a tampered or truncated tag', () => {
    const sealed = box.seal('value-to-protect', AAD);
    const tag = Buffer.from(sealed.tag, 'base64');
    const flipped = Buffer.from(tag);
    flipped[15] ^= 0x80;
    expect(code(() => box.open({ ...sealed, tag: flipped.toString('base64') }, AAD))).toBe(
      'DECRYPTION_FAILED',
    );
    expect(code(() => box.open({ ...sealed, tag: tag.subarray(0, 12).toString('base64') }, AAD))).toBe(
      'MALFORMED_SECRET',
    );
  });

  it('refuses a ciphertext moved to another owner or field', () => {
    const sealed = box.seal('value-to-protect', AAD);
    expect(code(() => box.open(sealed, 'flowbridge/other-ws/connection/1/auth.token'))).toBe(
      'DECRYPTION_FAILED',
    );
  });

  it('names an unknown key id', () => {
    const sealed = box.seal('value', AAD);
    const other = new SecretBox(`k9:${key()}`);
    expect(code(() => other.open(sealed, AAD))).toBe('UNKNOWN_KEY_ID');
  });

  it('refuses a right key id with the wrong key', () => {
    const sealed = box.seal('value', AAD);
    const impostor = new SecretBox(`k1:${key()}`);
    expect(code(() => impostor.open(sealed, AAD))).toBe('DECRYPTION_FAILED');
  });

  it('[D7] rotates: the first key encrypts, every key decrypts', () => {
    const k1 = key();
    const old = new SecretBox(`k1:${k1}`);
    const sealed = old.seal('rotate-me-please-1234', AAD);
    const ring = new SecretBox(`k2:${key()},k1:${k1}`);
    expect(ring.currentKeyId).toBe('k2');
    expect(ring.open(sealed, AAD)).toBe('rotate-me-please-1234');
    expect(ring.needsRotation(sealed)).toBe(true);
    const rotated = ring.rotate(sealed, AAD);
    expect(rotated.kid).toBe('k2');
    expect(ring.needsRotation(rotated)).toBe(false);
    expect(code(() => old.open(rotated, AAD))).toBe('UNKNOWN_KEY_ID');
  });

  it('parses ENCRYPTION_KEYS strictly, without echoing a key', () => {
    expect(parseKeyRing(`a:${key()}, b:${key()}`).size).toBe(2);
    const short = Buffer.alloc(16).toString('base64');
    expect(() => parseKeyRing(`a:${short}`)).toThrow('key "a" must decode to 32 bytes');
    expect(() => parseKeyRing(`a:${short}`)).not.toThrow(short);
    expect(() => parseKeyRing('nokey')).toThrow('id:base64key');
    expect(() => parseKeyRing(`a:${key()},a:${key()}`)).toThrow('appears twice');
    expect(() => parseKeyRing(' , ')).toThrow('at least one key');
  });
});

describe('maskSecret', () => {
  const box = new SecretBox(`k1:${key()}`);

  it('shows the last four characters of a long secret only', () => {
    expect(maskSecret(box.seal('abcdefghijklmnop1234', AAD))).toBe('••••1234');
  });

  it('shows nothing of a short secret', () => {
    expect(maskSecret(box.seal('short-pass', AAD))).toBe('••••');
  });

  it('is null when there is no secret', () => {
    expect(maskSecret(undefined)).toBeNull();
  });
});
