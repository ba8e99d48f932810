import {
  OutboundErrorCode,
  type ApiResponse,
  type CallLogEntry,
  type ResolvedConnection,
} from '@flowbridge/contracts';
import { applyAuth, authSecrets } from './auth';
import { Masker } from './call-log';
import { OutboundError, SharedStateError, toOutboundError } from './errors';
import { systemResolver, type Resolver } from './guard';
import { OAuth2TokenProvider, type OAuth2Client } from './oauth2';
import { CircuitBreakers, CircuitOpenError, RateLimiter } from './protection';
import { buildRequest, type BuiltRequest } from './request-builder';
import { failureOf, mapResponse, responseOf } from './response';
import { backoffDelay, isRetryable, parseRetryAfter } from './retry';
import { HttpTransport, type RawResponse } from './transport';
import type {
  AttemptInput,
  AttemptResult,
  InlineResult,
  ProbeResult,
  RequestEngineOptions,
} from './engine-types';

type Exchanged = { raw: RawResponse; error?: undefined } | { raw?: undefined; error: OutboundError };

/** The longest an attempt waits in-process for its connection's next rate-limit slot. */
const RATE_LIMIT_LONGEST_WAIT_MS = 1000;

const BREAKER_FAILURES = new Set(['TIMEOUT', 'NETWORK_ERROR', 'DNS_ERROR', 'TLS_ERROR']);

/**
 * The one path from (connection, API, variables) to an HTTP call and its `api_response`, for the test
 * endpoint and for running flows alike. It never sleeps: a retry comes back as "after N ms", for the
 * worker to schedule durably (or `runInline` to wait).
 */
export class RequestEngine {
  readonly transport: HttpTransport;
  readonly oauth2: OAuth2TokenProvider;
  /** The DNS step the guarded agents use (injected in tests). */
  readonly resolver: Resolver;
  private readonly rateLimiter: RateLimiter;
  private readonly breakers: CircuitBreakers;
  private readonly deadlineMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxFreeRetries: number;
  private readonly userAgent: string;
  private readonly random: () => number;

  constructor(options: RequestEngineOptions) {
    const prefix = options.redisPrefix ?? 'fb:';
    this.resolver = options.resolver ?? systemResolver;
    this.transport = new HttpTransport({ ...options, resolver: this.resolver });
    this.oauth2 = new OAuth2TokenProvider(options.redis, this.transport, { prefix: `${prefix}oauth2:` });
    this.rateLimiter = new RateLimiter(options.redis, `${prefix}ratelimit:`);
    this.breakers = new CircuitBreakers({
      threshold: options.breaker?.threshold ?? 10,
      coolDownMs: options.breaker?.coolDownMs ?? 30_000,
    });
    this.deadlineMs = options.deadlineMs ?? 120_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.maxFreeRetries = options.maxFreeRetries ?? 10;
    this.userAgent = options.userAgent ?? 'Flowbridge/0.1';
    this.random = options.random ?? Math.random;
  }

  /**
   * One attempt. Whatever the business API does comes back as a value; only an unreachable Redis
   * (SharedStateError) is thrown, since that is no answer of the API's.
   */
  async attempt(input: AttemptInput): Promise<AttemptResult> {
    const { connection, api } = input;
    const started = Date.now();
    const deadlineAt = input.deadlineAt ?? input.startedAt + this.deadlineMs;
    const masker = new Masker([
      ...authSecrets(connection.auth),
      ...connection.secretHeaders.map((name) => connection.headers[name] ?? ''),
      ...api.secretHeaders.map((name) => api.headers[name] ?? ''),
    ]).addNames({ headers: [...connection.secretHeaders, ...api.secretHeaders] });

    let request: BuiltRequest | undefined;
    let exchanged: Exchanged;
    let sent: BuiltRequest | undefined;
    try {
      request = buildRequest(connection, api, input.variables);
      if (api.idempotencyKey && input.idempotencyKey)
        request.headers['idempotency-key'] = input.idempotencyKey;
      request.headers['user-agent'] ??= this.userAgent;
      const { rateLimit } = connection;
      if (rateLimit) {
        // Waits in-process for a slot up to a second away (never past the step's deadline); a later one is
        // a retry at that time, counted as no attempt.
        const longest = Math.min(RATE_LIMIT_LONGEST_WAIT_MS, deadlineAt - Date.now());
        const slot = await this.rateLimiter.acquire(connection.id, rateLimit, Math.max(0, longest));
        if (!slot.taken)
          throw new OutboundError(
            OutboundErrorCode.RateLimited,
            `the connection's limit of ${rateLimit} requests per second is reached`,
            slot.waitMs,
          );
        if (slot.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
      }
      const timeoutMs = Math.min(api.timeoutMs, deadlineAt - Date.now());
      if (timeoutMs <= 0)
        throw new OutboundError(OutboundErrorCode.Timeout, "the step's deadline passed before this attempt");
      const built = request;
      exchanged = await this.breakers.run(
        `${connection.id}:${connection.updatedAt}`,
        () =>
          this.exchange(
            connection,
            built,
            [...connection.secretHeaders, ...api.secretHeaders],
            timeoutMs,
            masker,
            (r) => (sent = r),
          ),
        (outcome) =>
          outcome.error ? BREAKER_FAILURES.has(outcome.error.code) : outcome.raw.statusCode >= 500,
      );
    } catch (error) {
      if (error instanceof SharedStateError) throw error;
      exchanged = {
        error:
          error instanceof CircuitOpenError
            ? new OutboundError(OutboundErrorCode.CircuitOpen, error.message, error.coolDownMs)
            : toOutboundError(error),
      };
    }

    const finished = Date.now();
    const context = { attempts: input.attempt, durationMs: finished - input.startedAt };
    const response = exchanged.raw
      ? masker.json(responseOf(exchanged.raw, api.successWhen, context))
      : failureOf(exchanged.error.code, masker.text(exchanged.error.message), context);
    return {
      response,
      variables: mapResponse(api.responseMapping, response),
      log: this.logEntry(input, sent ?? request, exchanged.raw, response, masker, started, finished),
      retry: this.retryPlan(input, response, exchanged, deadlineAt, finished),
    };
  }

  /** Runs every attempt of a step here and now, waiting between them (the test endpoint's helper). */
  async runInline(
    input: Omit<AttemptInput, 'attempt' | 'countedAttempts' | 'startedAt'>,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ): Promise<InlineResult> {
    const attempts: CallLogEntry[] = [];
    const startedAt = Date.now();
    let counted = 0;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt({ ...input, attempt, countedAttempts: counted, startedAt });
      attempts.push(result.log);
      if (!result.retry) return { response: result.response, variables: result.variables, attempts };
      if (result.retry.counted) counted += 1;
      await sleep(result.retry.afterMs);
    }
  }

  /** Reachability of a connection's base URL: one GET with its auth and default headers, no retry. */
  async probe(connection: ResolvedConnection, timeoutMs = connection.timeoutMs): Promise<ProbeResult> {
    const started = Date.now();
    const masker = new Masker(authSecrets(connection.auth));
    let exchanged: Exchanged;
    try {
      const request = buildRequest(
        connection,
        { method: 'GET', path: '', query: {}, headers: {}, body: null },
        {},
      );
      request.headers['user-agent'] ??= this.userAgent;
      exchanged = await this.exchange(
        connection,
        request,
        connection.secretHeaders,
        timeoutMs,
        masker,
        () => undefined,
      );
    } catch (error) {
      if (error instanceof SharedStateError) throw error;
      exchanged = { error: toOutboundError(error) };
    }
    return exchanged.raw
      ? { statusCode: exchanged.raw.statusCode, error: null, latencyMs: Date.now() - started }
      : {
          statusCode: null,
          error: { code: exchanged.error.code, message: masker.text(exchanged.error.message) },
          latencyMs: Date.now() - started,
        };
  }

  close(): void {
    this.transport.close();
  }

  /** Auth, send, and for OAuth2 one fresh token after a 401. Errors come back as values. */
  private async exchange(
    connection: ResolvedConnection,
    request: BuiltRequest,
    /** Headers marked secret: with the auth's, never sent to another origin by a redirect. */
    secretHeaders: readonly string[],
    timeoutMs: number,
    masker: Masker,
    onSend: (request: BuiltRequest) => void,
  ): Promise<Exchanged> {
    const { auth } = connection;
    const client: OAuth2Client | null =
      auth.type === 'oauth2_client_credentials' ? { connectionId: connection.id, ...auth } : null;
    const deadline = Date.now() + timeoutMs;
    const send = async (token?: string): Promise<RawResponse> => {
      if (token) masker.add(token);
      const target = { ...request, url: new URL(request.url.href), headers: { ...request.headers } };
      const applied = applyAuth(auth, target, token);
      masker.addNames({ headers: applied.credentialHeaders, query: applied.credentialQuery });
      onSend(target);
      return this.transport.send({
        ...target,
        ...applied,
        credentialHeaders: [...applied.credentialHeaders, ...secretHeaders],
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
    };
    try {
      if (!client) return { raw: await send() };
      const token = await this.oauth2.token(client);
      const first = await send(token);
      if (first.statusCode !== 401) return { raw: first };
      await this.oauth2.invalidate(client, token);
      return { raw: await send(await this.oauth2.token(client)) };
    } catch (error) {
      if (error instanceof SharedStateError) throw error;
      return { error: toOutboundError(error) };
    }
  }

  private retryPlan(
    input: AttemptInput,
    response: ApiResponse,
    exchanged: Exchanged,
    deadlineAt: number,
    now: number,
  ): AttemptResult['retry'] {
    if (!isRetryable(response, exchanged.error?.transient ?? false)) return null;
    const retryAfter = exchanged.raw
      ? parseRetryAfter(exchanged.raw.headers['retry-after'], now)
      : (exchanged.error.retryAfterMs ?? null);
    // A server that says when to come back, and our own rate limit, do not use up the policy's attempts.
    const free =
      exchanged.error?.code === 'RATE_LIMITED' || (exchanged.raw?.statusCode === 429 && retryAfter !== null);
    const counted = input.countedAttempts + (free ? 0 : 1);
    if (!free && counted >= input.api.retry.attempts) return null;
    if (free && input.attempt - counted > this.maxFreeRetries) return null;
    let afterMs: number;
    if (retryAfter !== null && exchanged.error?.code !== 'CIRCUIT_OPEN') {
      if (retryAfter > this.maxRetryAfterMs) return null;
      afterMs = retryAfter;
    } else {
      afterMs = backoffDelay(input.api.retry, counted, this.random);
    }
    if (now + afterMs >= deadlineAt) return null;
    return { afterMs, counted: !free };
  }

  private logEntry(
    input: AttemptInput,
    request: BuiltRequest | undefined,
    raw: RawResponse | undefined,
    response: ApiResponse,
    masker: Masker,
    started: number,
    finished: number,
  ): CallLogEntry {
    const url = request
      ? masker.url(request.url)
      : masker.text(`${input.connection.baseUrl} ${input.api.path}`);
    return {
      attempt: input.attempt,
      startedAt: new Date(started).toISOString(),
      method: input.api.method,
      url,
      requestHeaders: request ? masker.headers(request.headers) : {},
      requestBody: masker.body(request?.body),
      statusCode: raw?.statusCode ?? null,
      responseHeaders: raw ? masker.headers(raw.headers) : {},
      responseBody: raw ? masker.body(raw.body) : null,
      responseSize: raw?.size ?? 0,
      truncated: raw?.truncated ?? false,
      durationMs: finished - started,
      errorCode: response.error?.code ?? null,
      errorMessage: response.error?.message ?? null,
      redirects: raw?.redirects ?? [],
    };
  }
}
