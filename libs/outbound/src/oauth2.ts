import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { OutboundErrorCode } from '@flowbridge/contracts';
import type { Redis } from 'ioredis';
import { clientCredentials } from './auth';
import { OutboundError, sharedState } from './errors';
import type { HttpTransport } from './transport';

export interface OAuth2Client {
  connectionId: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
}

export interface OAuth2Options {
  /** Key prefix in Redis. */
  prefix?: string;
  /** A token is dropped this long before it expires (at most half its lifetime). */
  earlyExpiryMs?: number;
  /** Lifetime assumed when the token server sends no `expires_in`. */
  defaultLifetimeMs?: number;
  timeoutMs?: number;
}

/**
 * Client-credentials tokens, cached in Redis per connection and shared by every process. The cached
 * token is sealed with a key derived from the client secret, so Redis never holds it in clear and a
 * changed secret simply misses. One fetch per process at a time (concurrent callers share it), and a
 * short Redis lock so that processes starting together do not all ask the token server.
 */
export class OAuth2TokenProvider {
  private readonly prefix: string;
  private readonly earlyExpiryMs: number;
  private readonly defaultLifetimeMs: number;
  private readonly timeoutMs: number;
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Token requests sent, for metrics and tests. */
  fetches = 0;

  constructor(
    private readonly redis: Redis,
    private readonly transport: HttpTransport,
    options: OAuth2Options = {},
  ) {
    this.prefix = options.prefix ?? 'fb:oauth2:';
    this.earlyExpiryMs = options.earlyExpiryMs ?? 60_000;
    this.defaultLifetimeMs = options.defaultLifetimeMs ?? 300_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async token(client: OAuth2Client): Promise<string> {
    const key = this.cacheKey(client);
    const cached = await this.read(key, client);
    if (cached !== null) return cached;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchShared(key, client).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** After a 401: forget `rejected` (unless another process already replaced it), so the next call fetches. */
  async invalidate(client: OAuth2Client, rejected: string): Promise<void> {
    const key = this.cacheKey(client);
    if ((await this.read(key, client)) === rejected) await sharedState(() => this.redis.del(key));
  }

  private async fetchShared(key: string, client: OAuth2Client): Promise<string> {
    const lock = `${key}:lock`;
    const owner = randomBytes(8).toString('hex');
    const acquired = await sharedState(() => this.redis.set(lock, owner, 'PX', this.timeoutMs, 'NX'));
    if (acquired === null) {
      // Another process is fetching: wait a little for its token rather than asking again.
      for (let waited = 0; waited < Math.min(this.timeoutMs, 3_000); waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const token = await this.read(key, client);
        if (token !== null) return token;
      }
    }
    try {
      const { token, lifetimeMs } = await this.request(client);
      const ttl = Math.max(1_000, lifetimeMs - Math.min(this.earlyExpiryMs, lifetimeMs / 2));
      await sharedState(() => this.redis.set(key, seal(token, client), 'PX', Math.floor(ttl)));
      return token;
    } finally {
      if (acquired !== null) await sharedState(() => this.redis.eval(RELEASE, 1, lock, owner));
    }
  }

  private async request(client: OAuth2Client): Promise<{ token: string; lifetimeMs: number }> {
    this.fetches += 1;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (client.scope) form.set('scope', client.scope);
    if (client.audience) form.set('audience', client.audience);
    let response;
    try {
      response = await this.transport.send({
        method: 'POST',
        url: new URL(client.tokenUrl),
        headers: {
          authorization: clientCredentials(client),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      const cause = error instanceof OutboundError ? error : null;
      throw new OutboundError(
        OutboundErrorCode.AuthFailed,
        `the token request failed: ${cause ? `${cause.code}: ${cause.message}` : 'unknown error'}`,
        undefined,
        cause !== null && cause.code !== 'BLOCKED_ADDRESS' && cause.code !== 'TLS_ERROR',
      );
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      throw new OutboundError(
        OutboundErrorCode.AuthFailed,
        `the token endpoint answered HTTP ${response.statusCode}${oauthError(response.body)}`,
        undefined,
        response.statusCode >= 500 || response.statusCode === 429,
      );
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.body.toString('utf8')) as typeof body;
    } catch {
      throw new OutboundError(OutboundErrorCode.AuthFailed, 'the token endpoint did not answer JSON');
    }
    if (typeof body.access_token !== 'string' || body.access_token.length === 0)
      throw new OutboundError(
        OutboundErrorCode.AuthFailed,
        'the token endpoint answered without access_token',
      );
    const expiresIn = Number(body.expires_in);
    return {
      token: body.access_token,
      lifetimeMs: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : this.defaultLifetimeMs,
    };
  }

  private async read(key: string, client: OAuth2Client): Promise<string | null> {
    const value = await sharedState(() => this.redis.get(key));
    return value === null ? null : open(value, client);
  }

  private cacheKey(client: OAuth2Client): string {
    const identity = createHash('sha256')
      .update(JSON.stringify([client.tokenUrl, client.clientId, client.scope ?? '', client.audience ?? '']))
      .digest('base64url')
      .slice(0, 16);
    return `${this.prefix}${client.connectionId}:${identity}`;
  }
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** The standard `error` field of a token error response (RFC 6749 §5.2), never the rest of the body. */
function oauthError(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[\w.-]{1,64}$/.test(parsed.error)
      ? ` (${parsed.error})`
      : '';
  } catch {
    return '';
  }
}

function sealingKey(client: OAuth2Client): Buffer {
  return Buffer.from(
    hkdfSync('sha256', client.clientSecret, client.connectionId, 'flowbridge oauth2 token cache', 32),
  );
}

function seal(token: string, client: OAuth2Client): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(client), iv);
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Null when the entry was sealed with another secret (or is damaged): a cache miss. */
function open(sealed: string, client: OAuth2Client): string | null {
  try {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(client), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
