import type { KeyObject } from 'node:crypto';
import { type FormExchangeAnswer, FormMessages } from '@flowbridge/contracts';
import { type FlowTokenClaims, type FlowTokens, metricOnce } from '@flowbridge/platform';
import { Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { z } from 'zod';
import { signatureDigest, signerOf } from '../webhooks/signature';
import { decryptFlowRequest, encryptFlowResponse, FlowEndpointCryptoError } from './endpoint-crypto';

export const flowEndpointRequests = metricOnce(
  'flowbridge_flow_endpoint_requests_total',
  () =>
    new Counter({
      name: 'flowbridge_flow_endpoint_requests_total',
      help: 'WhatsApp Flows data-endpoint requests by action and answer (200, 400, 421, 427, 432, 5xx)',
      labelNames: ['action', 'status'],
    }),
);
export const flowEndpointSeconds = metricOnce(
  'flowbridge_flow_endpoint_seconds',
  () =>
    new Histogram({
      name: 'flowbridge_flow_endpoint_seconds',
      help: 'WhatsApp Flows data-endpoint answer time by action',
      labelNames: ['action'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    }),
);

/** The channel a request came in for: its workspace, app secret (signatures) and Flows private key. */
export interface FlowEndpointChannel {
  id: string;
  workspaceId: string;
  appSecret: string | null;
  privateKey: KeyObject | null;
}

/** A screen request WhatsApp made for a person filling in a form, with the token's claims checked. */
export interface FlowExchange {
  channelId: string;
  claims: FlowTokenClaims;
  action: 'INIT' | 'data_exchange' | 'BACK';
  screen: string;
  data: Record<string, unknown>;
}

/** What answers it: the screen to show with its data, or the form closed with a message (427). */
export type FlowExchangeAnswer = FormExchangeAnswer;

/** An HTTP answer: WhatsApp reads the encrypted ones as text (base64). */
export interface FlowEndpointAnswer {
  status: number;
  contentType: 'text/plain' | 'application/json';
  body: string;
}

/** The decrypted payload (WHATSAPP-FLOWS.md §3): `version` may be a number on preview clients. */
const payloadSchema = z.looseObject({
  version: z.union([z.string(), z.number()]).optional(),
  action: z.enum(['ping', 'INIT', 'data_exchange', 'BACK']),
  screen: z.string().max(200).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  flow_token: z.string().max(2048).optional(),
});

const DATA_API_VERSION = '3.0';

/**
 * The WhatsApp Flows data endpoint's protocol, for one channel: the signature over the raw bytes (432), the
 * decryption with the channel's private key (421), `ping`, error notifications acknowledged, the flow token
 * checked (427 when malformed, forged, expired or another workspace's), and every answer encrypted under the
 * flipped IV. A screen request (INIT, data_exchange, BACK) is answered by `exchange`.
 */
export class FlowEndpoint {
  private readonly logger = new Logger(FlowEndpoint.name);

  constructor(
    private readonly tokens: FlowTokens,
    private readonly exchange: (request: FlowExchange) => Promise<FlowExchangeAnswer>,
  ) {}

  async handle(
    channel: FlowEndpointChannel,
    raw: Buffer,
    signature: string | undefined,
  ): Promise<FlowEndpointAnswer> {
    const started = performance.now();
    let action = 'unknown';
    const answer = await this.answer(channel, raw, signature, (a) => (action = a));
    flowEndpointRequests.inc({ action, status: String(answer.status) });
    flowEndpointSeconds.observe({ action }, (performance.now() - started) / 1000);
    return answer;
  }

  private async answer(
    channel: FlowEndpointChannel,
    raw: Buffer,
    signature: string | undefined,
    named: (action: string) => void,
  ): Promise<FlowEndpointAnswer> {
    const digest = signatureDigest(signature);
    if (
      typeof digest === 'string' ||
      channel.appSecret === null ||
      !signerOf(raw, digest, [channel.appSecret])
    )
      return { status: 432, contentType: 'text/plain', body: '' };
    if (!channel.privateKey) {
      this.logger.error(
        { channelId: channel.id },
        'a Flows request came for a channel without a key pair; make one with POST /channels/:id/flow-key',
      );
      return { status: 421, contentType: 'text/plain', body: '' };
    }
    let opened;
    try {
      opened = decryptFlowRequest(JSON.parse(raw.toString('utf8')) as unknown, channel.privateKey);
    } catch (error) {
      if (error instanceof FlowEndpointCryptoError && error.reason === 'undecryptable')
        return { status: 421, contentType: 'text/plain', body: '' };
      const field = error instanceof FlowEndpointCryptoError ? error.field : 'body';
      return malformed(
        field ?? 'body',
        error instanceof FlowEndpointCryptoError ? error.message : 'The body is not JSON',
      );
    }
    const sealed = (status: number, response: object): FlowEndpointAnswer => ({
      status,
      contentType: 'text/plain',
      body: encryptFlowResponse(response, opened.aesKey, opened.iv),
    });
    const parsed = payloadSchema.safeParse(opened.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return malformed(`encrypted_flow_data.${issue.path.join('.')}`, issue.message);
    }
    const request = parsed.data;
    named(request.action);
    if (request.action === 'ping') return sealed(200, { data: { status: 'active' } });
    const data = request.data ?? {};
    if (typeof data.error === 'string' || typeof data.error_message === 'string') {
      // WhatsApp tells us an answer of ours could not be shown: nothing to do but record it.
      this.logger.warn(
        { channelId: channel.id, screen: request.screen, error: data.error, message: data.error_message },
        'WhatsApp reported an error with a Flows answer',
      );
      return sealed(200, { data: { acknowledged: true } });
    }
    const claims = this.tokens.read(request.flow_token);
    if (typeof claims === 'string' || claims.workspaceId !== channel.workspaceId) {
      this.logger.warn(
        { channelId: channel.id, refusal: typeof claims === 'string' ? claims : 'another workspace' },
        'Flows request with a token we cannot honour; the form is closed (427)',
      );
      return sealed(427, { error_msg: FormMessages.closed });
    }
    const answer = await this.exchange({
      channelId: channel.id,
      claims,
      action: request.action,
      screen: request.screen ?? '',
      data,
    });
    if ('close' in answer) return sealed(427, { error_msg: answer.close });
    return sealed(200, { version: DATA_API_VERSION, screen: answer.screen, data: answer.data });
  }
}

function malformed(field: string, message: string): FlowEndpointAnswer {
  return {
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ code: 'MALFORMED_FLOW_REQUEST', message, field }),
  };
}
