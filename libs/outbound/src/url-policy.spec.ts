import { refuseAddress } from './address-policy';
import { isAllowListed, parseAllowList } from './allow-list';
import { checkBaseUrl } from './url-policy';

// The decision is tested directly: nothing here opens a socket.
describe('[B6] checkBaseUrl', () => {
  const none = parseAllowList([]);

  it.each([
    ['https://api.example.com/data', true],
    ['https://api.example.com:8443/v1/', true],
    ['https://93.184.215.14/', true],
    ['https://[2606:4700::1111]/', true],
  ])('accepts %s', (url, ok) => {
    expect(checkBaseUrl(url, none).ok).toBe(ok);
  });

  it.each([
    ['http://127.0.0.1/', 'FORBIDDEN_ADDRESS'],
    ['https://127.1/', 'FORBIDDEN_ADDRESS'],
    ['https://2130706433/', 'FORBIDDEN_ADDRESS'],
    ['https://0x7f000001/', 'FORBIDDEN_ADDRESS'],
    ['https://017700000001/', 'FORBIDDEN_ADDRESS'],
    ['https://0.0.0.0/', 'FORBIDDEN_ADDRESS'],
    ['https://[::1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[::ffff:127.0.0.1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[::ffff:a9fe:a9fe]/', 'FORBIDDEN_ADDRESS'],
    ['https://[::127.0.0.1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[::7f00:1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[::a9fe:a9fe]/', 'FORBIDDEN_ADDRESS'],
    ['https://169.254.169.254/latest/meta-data', 'FORBIDDEN_ADDRESS'],
    ['https://10.0.0.1/', 'FORBIDDEN_ADDRESS'],
    ['https://172.16.5.4/', 'FORBIDDEN_ADDRESS'],
    ['https://192.168.1.1/', 'FORBIDDEN_ADDRESS'],
    ['https://100.64.0.1/', 'FORBIDDEN_ADDRESS'],
    ['https://[fc00::1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[fe80::1]/', 'FORBIDDEN_ADDRESS'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'FORBIDDEN_ADDRESS'],
    ['https://metadata.google.internal/', 'FORBIDDEN_HOST'],
    ['https://localhost/', 'FORBIDDEN_HOST'],
    ['https://api.localhost/', 'FORBIDDEN_HOST'],
    ['https://intranet/', 'FORBIDDEN_HOST'],
    ['file:///etc/passwd', 'UNSUPPORTED_PROTOCOL'],
    ['gopher://example.com/', 'UNSUPPORTED_PROTOCOL'],
    ['ftp://example.com/', 'UNSUPPORTED_PROTOCOL'],
    ['data:text/plain,hi', 'UNSUPPORTED_PROTOCOL'],
    ['https://user:pass@api.example.com/', 'CREDENTIALS_IN_URL'],
    ['http://api.example.com/', 'HTTPS_REQUIRED'],
    ['https://api.example.com/?a=1', 'QUERY_OR_FRAGMENT_NOT_ALLOWED'],
    ['not a url', 'INVALID_URL'],
    ['/relative/path', 'INVALID_URL'],
  ])('refuses %s with %s', (url, code) => {
    const verdict = checkBaseUrl(url, none);
    expect(verdict).toMatchObject({ ok: false, code });
  });

  it('lets the allow-list open named hosts and ports, over http too', () => {
    const allow = parseAllowList(['127.0.0.1:8080', '*.test.internal', '[::1]']);
    expect(checkBaseUrl('http://127.0.0.1:8080/api', allow).ok).toBe(true);
    expect(checkBaseUrl('http://127.0.0.1:9090/api', allow)).toMatchObject({
      ok: false,
      code: 'FORBIDDEN_ADDRESS',
    });
    expect(checkBaseUrl('http://crm.test.internal/', allow).ok).toBe(true);
    expect(checkBaseUrl('http://[::1]:3000/', allow).ok).toBe(true);
  });
});

describe('refuseAddress', () => {
  it('[B6] passes only public unicast', () => {
    expect(refuseAddress('8.8.8.8')).toBeNull();
    expect(refuseAddress('2606:4700::1')).toBeNull();
    expect(refuseAddress('127.0.0.1')).toBe('loopback');
    expect(refuseAddress('::ffff:10.0.0.1')).toBe('private');
    expect(refuseAddress('100.100.100.200')).toBe('carrier-grade NAT');
    expect(refuseAddress('224.0.0.1')).toBe('multicast');
    expect(refuseAddress('fd00:ec2::254')).toBe('unique-local');
    expect(refuseAddress('example.com')).toBe('not an IP address');
  });

  it.each([
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'translated or tunnelled'],
    ['[::7f00:1]', 'translated or tunnelled'],
    ['::a9fe:a9fe', 'translated or tunnelled'],
    ['::a00:1', 'translated or tunnelled'],
    ['::2', 'translated or tunnelled'],
    ['::ffff:0:7f00:1', 'translated or tunnelled'],
    ['64:ff9b::7f00:1', 'translated or tunnelled'],
    ['2002:7f00:1::', 'translated or tunnelled'],
    ['fec0::1', 'reserved'],
    ['5f00::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])(
    '[issue 17] refuses the IPv4-compatible and every other embedding or unallocated form: %s',
    (address, why) => {
      expect(refuseAddress(address)).toBe(why);
    },
  );
});

describe('allow-list', () => {
  it('matches wildcards on subdomains only and rejects malformed entries', () => {
    const allow = parseAllowList(['*.example.com:443']);
    expect(isAllowListed(allow, 'api.example.com', 443)).toBe(true);
    expect(isAllowListed(allow, 'example.com', 443)).toBe(false);
    expect(isAllowListed(allow, 'api.example.com', 80)).toBe(false);
    expect(() => parseAllowList(['host:99999'])).toThrow('invalid port');
    expect(() => parseAllowList(['a b'])).toThrow('host[:port]');
  });
});
