import {
  type ClientRequest,
  Agent as HttpAgent,
  type IncomingMessage,
  request as httpRequest,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { OutboundErrorCode, type HttpMethod } from '@flowbridge/contracts';
import axios, { type AxiosInstance } from 'axios';
import type { AllowEntry } from './allow-list';
import { OutboundError, toOutboundError } from './errors';
import { checkOutboundUrl, createGuardedAgents, type GuardedAgents, type Resolver } from './guard';

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Sent only to the origin the user configured: dropped when a redirect leaves it. */
const ALWAYS_CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

export interface Exchange {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** The attempt's whole budget: connect, headers, redirects and body. */
  timeoutMs: number;
  /**
   * Header and query names that carry credentials (the auth's, headers marked secret): with Authorization,
   * Cookie and the body, never sent to another origin by a redirect.
   */
  credentialHeaders?: readonly string[];
  credentialQuery?: readonly string[];
}

export interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Decoded bytes received, or the declared length when the body was cut and the length is known. */
  size: number;
  truncated: boolean;
  /** Hosts of the redirect hops that were followed. */
  redirects: string[];
}

export interface TransportOptions {
  allowList: readonly AllowEntry[];
  resolver?: Resolver;
  maxResponseBytes?: number;
  /**
   * Agents for targets the guard judges at connect time (`guarded`) and for allow-listed ones (`open`).
   * Tests inject agents that record and refuse non-loopback targets.
   */
  agents?: { guarded: GuardedAgents; open: GuardedAgents };
}

/**
 * One HTTP exchange under the outbound policy: every hop judged (scheme, literal address, allow-list;
 * DNS answers by the guarded agents), redirects followed by hand, the body read under a byte limit
 * (counted after decompression, so a bomb stops at the limit too), all within one timer.
 */
export class HttpTransport {
  readonly maxResponseBytes: number;
  private readonly allowList: readonly AllowEntry[];
  private readonly guarded: GuardedAgents;
  private readonly open: GuardedAgents;
  private readonly http: AxiosInstance;

  constructor(options: TransportOptions) {
    this.allowList = options.allowList;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.guarded = options.agents?.guarded ?? createGuardedAgents({ resolver: options.resolver });
    this.open = options.agents?.open ?? {
      httpAgent: new HttpAgent({ keepAlive: true, maxFreeSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxFreeSockets: 64 }),
    };
    this.http = axios.create({
      proxy: false,
      maxRedirects: 0,
      responseType: 'stream',
      validateStatus: () => true,
      maxContentLength: -1,
      maxBodyLength: -1,
      decompress: true,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async send(exchange: Exchange): Promise<RawResponse> {
    // One timer for the whole attempt. It destroys the request in flight (a handle the transport hook
    // below keeps), which also ends a body being read: cheaper than an AbortSignal threaded through axios.
    const attempt: AttemptClock = { expired: false, request: undefined };
    const timer = setTimeout(
      () => {
        attempt.expired = true;
        attempt.request?.destroy(new Error('attempt timed out'));
      },
      Math.max(1, exchange.timeoutMs),
    );
    try {
      return await this.follow(exchange, attempt);
    } catch (error) {
      if (attempt.expired)
        throw new OutboundError(
          OutboundErrorCode.Timeout,
          `no complete response within ${exchange.timeoutMs} ms`,
        );
      throw toOutboundError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    for (const agents of [this.guarded, this.open]) {
      agents.httpAgent.destroy();
      agents.httpsAgent.destroy();
    }
  }

  private async follow(exchange: Exchange, attempt: AttemptClock): Promise<RawResponse> {
    let { method, url, body } = exchange;
    const headers = { ...exchange.headers };
    const originalOrigin = url.origin;
    const redirects: string[] = [];

    for (;;) {
      const verdict = checkOutboundUrl(url, this.allowList);
      if (!verdict.ok) throw new OutboundError(OutboundErrorCode.BlockedAddress, verdict.error.message);
      const agents = verdict.allowListed ? this.open : this.guarded;
      const response = await this.http.request<Readable>({
        url: url.href,
        method,
        headers,
        data: body,
        httpAgent: agents.httpAgent,
        httpsAgent: agents.httpsAgent,
        transport: {
          request(options: RequestOptions, callback: (res: IncomingMessage) => void): ClientRequest {
            const request = (options.protocol === 'https:' ? httpsRequest : httpRequest)(options, callback);
            attempt.request = request;
            if (attempt.expired) request.destroy(new Error('attempt timed out'));
            return request;
          },
        },
      });
      const location = response.headers.location as unknown;
      if (!REDIRECT_STATUSES.has(response.status) || typeof location !== 'string') {
        const read = await readLimited(response.data, this.maxResponseBytes);
        const declared = Number(response.headers['content-length']);
        return {
          statusCode: response.status,
          headers: flatHeaders(response.headers),
          body: read.body,
          size: read.truncated && Number.isFinite(declared) && declared > read.seen ? declared : read.seen,
          truncated: read.truncated,
          redirects,
        };
      }
      response.data.destroy();
      if (redirects.length >= MAX_REDIRECTS)
        throw new OutboundError(OutboundErrorCode.TooManyRedirects, `more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new OutboundError(OutboundErrorCode.Network, 'a redirect gave an invalid Location');
      }
      if (url.protocol === 'https:' && next.protocol === 'http:')
        throw new OutboundError(
          OutboundErrorCode.BlockedAddress,
          `a redirect to ${next.host} downgrades https to http`,
        );
      const crossOrigin = next.origin !== originalOrigin;
      if (crossOrigin) dropCredentials(headers, next, exchange);
      const becomesGet =
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST');
      if (becomesGet) method = 'GET';
      // A 307/308 replays the body, which may hold what the API was given (a customer's data, a templated
      // secret): never to another origin (scheme, host or port) than the one configured.
      if (becomesGet || crossOrigin) {
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      redirects.push(next.host);
      url = next;
    }
  }
}

function dropCredentials(headers: Record<string, string>, next: URL, exchange: Exchange): void {
  for (const name of [...ALWAYS_CREDENTIAL_HEADERS, ...(exchange.credentialHeaders ?? [])])
    delete headers[name.toLowerCase()];
  for (const name of exchange.credentialQuery ?? []) next.searchParams.delete(name);
}

interface LimitedBody {
  body: Buffer;
  seen: number;
  truncated: boolean;
}

/**
 * Reads at most `limit` bytes, then destroys the stream (the rest is never downloaded or inflated). The
 * attempt's timer ends a slow body by destroying the request, which closes this stream early.
 */
function readLimited(stream: Readable, limit: number): Promise<LimitedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    let settled = false;
    // Separate paths for values and errors: an error from Node's core may not be `instanceof Error` here.
    const finish = (result: LimitedBody): void => {
      if (!settled) resolve(result);
      settled = true;
    };
    const fail = (error: unknown): void => {
      if (!settled) reject(error instanceof Error ? error : new Error(String(error)));
      settled = true;
    };
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      chunks.push(chunk);
      if (seen > limit) {
        stream.destroy();
        finish({ body: Buffer.concat(chunks).subarray(0, limit), seen, truncated: true });
      }
    });
    stream.once('end', () => finish({ body: Buffer.concat(chunks), seen, truncated: false }));
    stream.once('error', fail);
    stream.once('close', () => fail(new Error('the connection closed before the body ended')));
  });
}

interface AttemptClock {
  expired: boolean;
  request: ClientRequest | undefined;
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (typeof value === 'number') out[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.map(String).join(', ');
  }
  return out;
}
