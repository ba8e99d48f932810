import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { WhatsappError } from '@flowbridge/contracts';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import type { CloudMessage } from './cloud-payloads';

/**
 * What one send came to: accepted (with Meta's id), worth another try later, refused for good, or in doubt —
 * the request may have reached Meta but no answer came back (a reset or a timeout once connected): Meta may
 * have accepted it, so it is not sent again until its status webhook says or the grace passes.
 */
export type SendOutcome =
  | { kind: 'sent'; waMessageId: string }
  | { kind: 'retry'; error: SendError }
  | { kind: 'in_doubt'; error: SendError }
  | { kind: 'failed'; error: SendError; tokenInvalid: boolean };

const IDLE_SOCKET_MS = 4000;

/** No connection was made: the request never left, so trying again cannot send it twice. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Meta's error, with the HTTP status; `code` 0 when no answer came (network, timeout). */
export interface SendError extends WhatsappError {
  httpStatus?: number;
}

/**
 * Meta's codes worth retrying: throughput (130429), pair rate (131056), app and account rate limits (4,
 * 80007) and its own transient failures (131000, 131016, 133004). Any 5xx and a connection refused are
 * retried too; every other error is final.
 */
const RETRYABLE = new Set([4, 80007, 130429, 131000, 131016, 131056, 133004]);
/** The access token expired or was revoked: every send of the channel fails until it is replaced. */
const TOKEN_INVALID = 190;

interface GraphErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    type?: unknown;
    error_user_title?: unknown;
    error_data?: { details?: unknown };
  };
  messages?: Array<{ id?: unknown }>;
}

export interface GraphChannel {
  phoneNumberId: string;
  graphApiVersion: string | null;
}

/** Any object of the Graph API, by id: a number, a business account, a Flow. */
export interface GraphObject {
  id: string;
  graphApiVersion: string | null;
}

const numberOf = (channel: GraphChannel): GraphObject => ({
  id: channel.phoneNumberId,
  graphApiVersion: channel.graphApiVersion,
});

type Unreachable = { ok: false; error: SendError; reachable: false };
/** What a management call came back with, or why nothing did. */
export type ManagementAnswer =
  { status: number; body: GraphErrorBody & Record<string, unknown> } | { unreachable: Unreachable };
/** A management call's outcome: done (with what it read), or Meta's error, or no answer (`reachable` false). */
export type ManagementResult<T extends object = object> =
  ({ ok: true } & T) | { ok: false; error: SendError; reachable: boolean };

/** Meta's refusal of a management call, as a result. */
export function refusal(res: { status: number; body: GraphErrorBody }): {
  ok: false;
  error: SendError;
  reachable: boolean;
} {
  const outcome = classify(res.status, res.body);
  const error = outcome.kind === 'sent' ? { code: 0, message: `HTTP ${res.status}` } : outcome.error;
  return { ok: false, error, reachable: res.status < 500 };
}

/** `POST {GRAPH_API_BASE_URL}/{version}/{phone-number-id}/messages`, kept-alive connections, no redirects. */
@Injectable()
export class GraphClient implements OnApplicationShutdown {
  private readonly http: AxiosInstance;
  /**
   * Kept-alive connections are dropped after 4 s idle, before a server's own idle close (Node's default is 5 s):
   * a POST on a connection the server just closed fails with a reset that is in doubt (SendOutcome), and would
   * wait SEND_IN_DOUBT_GRACE_MS for a status that cannot come.
   */
  private readonly agents = [
    new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  ];

  constructor(private readonly config: WhatsappMessagingConfig) {
    this.http = axios.create({
      baseURL: config.GRAPH_API_BASE_URL.replace(/\/+$/, ''),
      timeout: config.GRAPH_API_TIMEOUT_MS,
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      proxy: false,
      httpAgent: this.agents[0],
      httpsAgent: this.agents[1],
      validateStatus: () => true,
    });
  }

  async send(
    channel: { phoneNumberId: string; graphApiVersion: string | null },
    accessToken: string,
    message: CloudMessage,
  ): Promise<SendOutcome> {
    const version = channel.graphApiVersion ?? this.config.GRAPH_API_VERSION;
    let status: number;
    let body: GraphErrorBody;
    try {
      const res = await this.http.post<GraphErrorBody>(
        `/${version}/${encodeURIComponent(channel.phoneNumberId)}/messages`,
        message,
        { headers: { Authorization: `Bearer ${accessToken}` } },
      );
      status = res.status;
      body = typeof res.data === 'object' && res.data !== null ? res.data : {};
    } catch (error) {
      // Only the code and message: an axios error carries the request, and so the token.
      const code = isAxiosError(error) ? (error.code ?? 'ERROR') : 'ERROR';
      const message = error instanceof Error ? error.message : String(error);
      const kind = NEVER_SENT.has(code) ? 'retry' : 'in_doubt';
      return { kind, error: { code: 0, title: code, message } };
    }
    return classify(status, body);
  }

  /**
   * `GET /{phone-number-id}` with the channel's token: whether that token sees the number (a business's
   * token sees only its own accounts' numbers), so that no workspace connects a number it does not hold.
   */
  async seesNumber(channel: GraphChannel, accessToken: string): Promise<ManagementResult> {
    const res = await this.manage(numberOf(channel), accessToken, 'get', '', {
      fields: 'id,display_phone_number',
    });
    if ('unreachable' in res) return res.unreachable;
    return res.status === 200 && res.body.id === channel.phoneNumberId ? { ok: true } : refusal(res);
  }

  /** `POST /{phone-number-id}/whatsapp_business_encryption`: the public key WhatsApp seals Flow requests to. */
  async uploadFlowPublicKey(
    channel: GraphChannel,
    accessToken: string,
    publicKeyPem: string,
  ): Promise<ManagementResult> {
    const res = await this.manage(
      numberOf(channel),
      accessToken,
      'post',
      '/whatsapp_business_encryption',
      new URLSearchParams({ business_public_key: publicKeyPem }),
    );
    if ('unreachable' in res) return res.unreachable;
    return res.status === 200 && res.body.success === true ? { ok: true } : refusal(res);
  }

  /** `GET` on the same path: the public key Meta holds for the number, and whether its signature checks. */
  async flowKeyStatus(
    channel: GraphChannel,
    accessToken: string,
  ): Promise<ManagementResult<{ publicKey: string | null; signatureStatus: string | null }>> {
    const res = await this.manage(numberOf(channel), accessToken, 'get', '/whatsapp_business_encryption');
    if ('unreachable' in res) return res.unreachable;
    if (res.status !== 200) return refusal(res);
    const data = (Array.isArray(res.body.data) ? res.body.data[0] : res.body) as
      Record<string, unknown> | undefined;
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    return {
      ok: true,
      publicKey: text(data?.business_public_key),
      signatureStatus: text(data?.business_public_key_signature_status),
    };
  }

  /**
   * A call of the Cloud API's management side (not a send) on a Graph object — a number, a business account, a
   * Flow: its status and body, or why no answer came.
   */
  async manage(
    target: GraphObject,
    accessToken: string,
    method: 'get' | 'post',
    path: string,
    payload?: Record<string, unknown> | URLSearchParams | FormData,
  ): Promise<ManagementAnswer> {
    const version = target.graphApiVersion ?? this.config.GRAPH_API_VERSION;
    const url = `/${version}/${encodeURIComponent(target.id)}${path}`;
    const headers = { Authorization: `Bearer ${accessToken}` };
    try {
      const res =
        method === 'get'
          ? await this.http.get<unknown>(url, { headers, params: payload })
          : await this.http.post<unknown>(url, payload, { headers });
      const body = typeof res.data === 'object' && res.data !== null ? res.data : {};
      return { status: res.status, body: body as GraphErrorBody & Record<string, unknown> };
    } catch (error) {
      // Only the code: an axios error carries the request, and so the token.
      const code = isAxiosError(error) ? (error.code ?? 'ERROR') : 'ERROR';
      return {
        unreachable: { ok: false, error: { code: 0, title: code, message: 'no answer' }, reachable: false },
      };
    }
  }

  onApplicationShutdown(): void {
    for (const agent of this.agents) agent.destroy();
  }
}

export function classify(status: number, body: GraphErrorBody): SendOutcome {
  const id = body.messages?.[0]?.id;
  if (status >= 200 && status < 300 && typeof id === 'string' && id.length > 0)
    return { kind: 'sent', waMessageId: id };
  const e = body.error ?? {};
  const error: SendError = {
    code: typeof e.code === 'number' ? e.code : 0,
    httpStatus: status,
    ...(typeof e.error_user_title === 'string'
      ? { title: e.error_user_title }
      : typeof e.type === 'string'
        ? { title: e.type }
        : {}),
    message:
      typeof e.message === 'string'
        ? e.message
        : status < 300
          ? 'The Cloud API answered without a message id'
          : `HTTP ${status}`,
    ...(typeof e.error_data?.details === 'string' ? { details: e.error_data.details } : {}),
  };
  if (error.code === TOKEN_INVALID) return { kind: 'failed', error, tokenInvalid: true };
  if (RETRYABLE.has(error.code) || status >= 500 || status === 429) return { kind: 'retry', error };
  return { kind: 'failed', error, tokenInvalid: false };
}
