import { InternalMac, InternalSeal, purposeKey } from './internal-key';

describe('INTERNAL_KEY: sealed and tagged values between the services', () => {
  const key = 'an-internal-key-of-at-least-32-characters';

  it('derives a different key per purpose and per internal key', () => {
    expect(purposeKey(key, 'rpc')).toHaveLength(32);
    expect(purposeKey(key, 'rpc').equals(purposeKey(key, 'jobs:v1'))).toBe(false);
    expect(purposeKey(key, 'rpc').equals(purposeKey(`${key}!`, 'rpc'))).toBe(false);
    expect(purposeKey(key, 'rpc').equals(purposeKey(key, 'rpc'))).toBe(true);
  });

  it('opens a sealed value only with the same key and context, and hides it', () => {
    const seal = new InternalSeal(purposeKey(key, 'rpc'));
    const sealed = seal.seal('{"token":"s3cret-value"}', 'request|ns:a|1');
    expect(sealed).not.toContain('s3cret');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('s3cret');
    expect(seal.open(sealed, 'request|ns:a|1')).toBe('{"token":"s3cret-value"}');
    expect(seal.open(sealed, 'request|ns:a|2')).toBeNull();
    expect(
      new InternalSeal(purposeKey('another-key-of-at-least-32-characters', 'rpc')).open(
        sealed,
        'request|ns:a|1',
      ),
    ).toBeNull();
    const tampered = Buffer.from(sealed, 'base64');
    tampered[tampered.length - 1] ^= 1;
    expect(seal.open(tampered.toString('base64'), 'request|ns:a|1')).toBeNull();
    for (const junk of [undefined, 42, '', 'abc', 'not base64 at all!'])
      expect(seal.open(junk, 'x')).toBeNull();
    // A fresh IV each time: the same value never seals the same.
    expect(seal.seal('same', 'c')).not.toBe(seal.seal('same', 'c'));
  });

  it('tags parts unambiguously and verifies in constant time', () => {
    const mac = new InternalMac(purposeKey(key, 'jobs:v1'));
    const tag = mac.tag('flow-navigation.0', 'navigation.v1', 'nav-1', '{}');
    expect(mac.verify(tag, 'flow-navigation.0', 'navigation.v1', 'nav-1', '{}')).toBe(true);
    expect(mac.verify(tag, 'flow-navigation.1', 'navigation.v1', 'nav-1', '{}')).toBe(false);
    expect(mac.tag('ab', 'c')).not.toBe(mac.tag('a', 'bc'));
    for (const wrong of [undefined, 1, '', `${tag}x`, tag.slice(1)])
      expect(mac.verify(wrong, 'a')).toBe(false);
  });
});
