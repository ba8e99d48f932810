import { type ChannelsResponse, readChannelsRequest, RpcPattern } from '@flowbridge/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ChannelsService } from './channels.service';

/** What another service asks about a workspace's channels: their ids (an API trigger's channel is checked). */
@Controller()
export class ChannelsRpcController {
  constructor(private readonly channels: ChannelsService) {}

  @MessagePattern(RpcPattern.MessagingChannels)
  async ids(@Payload() raw: unknown): Promise<ChannelsResponse> {
    const request = readChannelsRequest(raw);
    if (typeof request === 'string') return { ok: false, code: 'INVALID_REQUEST', message: request };
    return { ok: true, channelIds: await this.channels.idsOf(request.workspaceId) };
  }
}
