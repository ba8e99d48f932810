import type { LookupAddress } from 'node:dns';
import { get, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:net';
import { parseAllowList } from './allow-list';
import {
  BlockedAddressError,
  checkOutboundUrl,
  createGuardedAgents,
  guardedLookup,
  type Resolver,
} from './guard';

// Nothing here may reach a non-loopback address, even with a broken guard: resolvers are injected, public
// answers are only ever checked through the lookup function itself, never connected to.

/** A listener on loopback that must see no connection when the guard works. */
class Canary {
  connections = 0;
  private server: Server = createServer((socket) => {
    this.connections += 1;
    socket.destroy();
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const fixed =
  (answers: Record<string, LookupAddress[]>): Resolver =>
  async (hostname) => {
    const found = answers[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };

function fetchThrough(url: string, resolver: Resolver): Promise<IncomingMessage> {
  const { httpAgent } = createGuardedAgents({ resolver, keepAlive: false });
  return new Promise((resolve, reject) => {
    get(url, { agent: httpAgent }, resolve).on('error', reject);
  });
}

describe('checkOutboundUrl (before the request and on every redirect hop)', () => {
  const none = parseAllowList([]);

  it.each([
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://metadata.google.internal/',
    'http://localhost./',
    'http://localhost/',
    'file:///etc/passwd',
    'data:text/plain,hello',
    'gopher://example.com/',
  ])('refuses %s with BLOCKED_ADDRESS', (url) => {
    const verdict = checkOutboundUrl(url, none);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error.code).toBe('BLOCKED_ADDRESS');
  });

  it('passes public names and addresses, and allow-listed loopback', () => {
    expect(checkOutboundUrl('https://api.example.com/x', none)).toMatchObject({
      ok: true,
      allowListed: false,
    });
    expect(checkOutboundUrl('https://93.184.215.14/', none)).toMatchObject({ ok: true, allowListed: false });
    const allow = parseAllowList(['127.0.0.1:8080']);
    expect(checkOutboundUrl('http://127.0.0.1:8080/', allow)).toMatchObject({ ok: true, allowListed: true });
    expect(checkOutboundUrl('http://127.0.0.1:8081/', allow).ok).toBe(false);
  });
});

describe('guardedLookup (the address actually connected to)', () => {
  const lookupAll = (resolver: Resolver, host: string): Promise<LookupAddress[]> =>
    new Promise((resolve, reject) =>
      guardedLookup(resolver)(host, { all: true }, (err, addresses) =>
        err ? reject(err) : resolve(addresses as LookupAddress[]),
      ),
    );

  it('hands on public answers unchanged', async () => {
    const answers = [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ];
    await expect(lookupAll(fixed({ 'api.example.com': answers }), 'api.example.com')).resolves.toEqual(
      answers,
    );
  });

  it('[B7] refuses a mixed answer and IPv4-mapped loopback', async () => {
    const mixed = fixed({
      'mixed.example.com': [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    await expect(lookupAll(mixed, 'mixed.example.com')).rejects.toBeInstanceOf(BlockedAddressError);
    const mapped = fixed({ 'mapped.example.com': [{ address: '::ffff:169.254.169.254', family: 6 }] });
    // Refused without naming the address or its kind (issue 17: no internal-DNS oracle).
    const refused = lookupAll(mapped, 'mapped.example.com');
    await expect(refused).rejects.toThrow(
      'mapped.example.com is not called: resolves to an address that is not public',
    );
    await expect(refused).rejects.not.toThrow(/169\.254|link-local/);
  });

  it('answers the single-address form too', async () => {
    const address = await new Promise<string>((resolve, reject) =>
      guardedLookup(fixed({ 'one.example.com': [{ address: '93.184.215.14', family: 4 }] }))(
        'one.example.com',
        {},
        (err, a) => (err ? reject(err) : resolve(a as string)),
      ),
    );
    expect(address).toBe('93.184.215.14');
  });

  it('passes resolver errors through (a DNS failure is not a block)', async () => {
    await expect(lookupAll(fixed({}), 'nowhere.example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('guarded agents with a real socket to a loopback canary', () => {
  const canary = new Canary();

  beforeAll(() => canary.start());
  afterAll(() => canary.stop());

  it('[B7] refuses a public-looking name that resolves to 127.0.0.1, before connecting', async () => {
    const rebinding = fixed({ 'orders.example.com': [{ address: '127.0.0.1', family: 4 }] });
    await expect(fetchThrough(`http://orders.example.com:${canary.port}/`, rebinding)).rejects.toMatchObject({
      code: 'BLOCKED_ADDRESS',
    });
    expect(canary.connections).toBe(0);
  });

  it('[B7] refuses a resolver that answers differently on the second call (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () =>
      calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    // The first answer is public: judge it without connecting anywhere.
    await new Promise<void>((resolve, reject) =>
      guardedLookup(rebinding)('flip.example.com', { all: true }, (err) => (err ? reject(err) : resolve())),
    );
    await expect(fetchThrough(`http://flip.example.com:${canary.port}/`, rebinding)).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
    expect(canary.connections).toBe(0);
  });

  it('connects when the canary is reached through an unguarded path (the canary itself works)', async () => {
    const res = await new Promise<number>((resolve) => {
      get(`http://127.0.0.1:${canary.port}/`).on('error', () => resolve(canary.connections));
    });
    expect(res).toBe(1);
    canary.connections = 0;
  });
});
