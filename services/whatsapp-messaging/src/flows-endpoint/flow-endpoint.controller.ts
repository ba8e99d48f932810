import type { KeyObject } from 'node:crypto';
import { FlowTokens, internalKeyOf, Public, SecretBoxError } from '@flowbridge/platform';
import { Controller, Headers, Logger, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelFlowKeys } from '../channels/channel-flow-keys';
import { type WebhookChannel, WebhookChannels } from '../webhooks/webhook-channels';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { FlowEndpoint, type FlowEndpointChannel } from './flow-endpoint';
import { FormExchangeClient } from './form-exchange-client';

export const FLOW_ENDPOINT_PATH = '/webhooks/whatsapp-flows';

/**
 * The WhatsApp Flows data endpoint, one URL per channel (`/webhooks/whatsapp-flows/<channel id>`: the
 * `endpoint_uri` of the forms published for it). The channel's app secret and private key come from the
 * webhook's in-memory snapshot of the channels; the protocol is FlowEndpoint's, the answers the worker's.
 */
@ApiExcludeController()
@Public()
@Controller(FLOW_ENDPOINT_PATH.slice(1))
export class FlowEndpointController {
  private readonly logger = new Logger(FlowEndpointController.name);
  private readonly endpoint: FlowEndpoint;
  /** Opened once per snapshot of the channels (a changed channel is a new entity). */
  private readonly keys = new WeakMap<ChannelEntity, KeyObject | null>();

  constructor(
    private readonly channels: WebhookChannels,
    private readonly flowKeys: ChannelFlowKeys,
    client: FormExchangeClient,
    config: WhatsappMessagingConfig,
  ) {
    this.endpoint = new FlowEndpoint(FlowTokens.fromInternalKey(internalKeyOf(config)), (request) =>
      client.ask(request),
    );
  }

  @Post(':channelId')
  async receive(
    @Param('channelId') channelId: string,
    @Req() req: Request,
    @Res() res: Response,
    @Headers('x-hub-signature-256') signature?: string,
  ): Promise<void> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const answer = await this.endpoint.handle(await this.channelOf(channelId), raw, signature);
    res.status(answer.status).type(answer.contentType).send(answer.body);
  }

  /** A channel nobody knows has no secret to check the signature with: it is answered 432 like a forgery. */
  private async channelOf(id: string): Promise<FlowEndpointChannel> {
    const entry =
      (await this.channels.current()).byId.get(id) ?? (await this.channels.refreshAfterMiss())?.byId.get(id);
    if (!entry) return { id, workspaceId: '', appSecret: null, privateKey: null };
    return {
      id,
      workspaceId: entry.channel.workspaceId,
      appSecret: typeof entry.appSecret === 'string' ? entry.appSecret : null,
      privateKey: this.privateKeyOf(entry),
    };
  }

  private privateKeyOf({ channel }: WebhookChannel): KeyObject | null {
    if (this.keys.has(channel)) return this.keys.get(channel)!;
    let key: KeyObject | null = null;
    try {
      key = this.flowKeys.privateKeyOf(channel);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      this.logger.error({ channelId: channel.id }, "the channel's Flows private key does not open");
    }
    this.keys.set(channel, key);
    return key;
  }
}
