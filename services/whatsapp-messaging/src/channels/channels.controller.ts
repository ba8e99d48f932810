import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagingErrorCode } from '../errors';
import { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { ChannelFlowKeys } from './channel-flow-keys';
import { ChannelsService } from './channels.service';

const ChannelId = Param('id', new IdPipe(MessagingErrorCode.ChannelNotFound));

@ApiTags('channels')
@ApiBearerAuth()
@Controller('channels')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly flowKeys: ChannelFlowKeys,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Connect a WhatsApp business number (access token and app secret are write-only)',
  })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateChannelDto) {
    return this.channels.create(workspaceId, dto);
  }

  @Get()
  list(@WorkspaceId() workspaceId: string) {
    return this.channels.list(workspaceId);
  }

  @Get(':id')
  get(@WorkspaceId() workspaceId: string, @ChannelId id: string) {
    return this.channels.get(workspaceId, id);
  }

  @Get(':id/health')
  @ApiOperation({
    summary: 'Whether the token works, and the last error Meta reported (e.g. an expired token)',
  })
  health(@WorkspaceId() workspaceId: string, @ChannelId id: string) {
    return this.channels.health(workspaceId, id);
  }

  @Post(':id/flow-key')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Make a new key pair for the WhatsApp Flows data endpoint and upload its public key to the Cloud API ' +
      '(the private key is sealed and never shown); also the way to rotate it',
  })
  rotateFlowKey(@WorkspaceId() workspaceId: string, @ChannelId id: string) {
    return this.flowKeys.rotate(workspaceId, id);
  }

  @Get(':id/flow-key')
  @ApiOperation({
    summary: 'The Flows public key, and whether the Cloud API holds it with a valid signature',
  })
  flowKey(@WorkspaceId() workspaceId: string, @ChannelId id: string) {
    return this.flowKeys.status(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a channel; omitted secrets are kept' })
  update(@WorkspaceId() workspaceId: string, @ChannelId id: string, @Body() dto: UpdateChannelDto) {
    return this.channels.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<void> {
    return this.channels.remove(workspaceId, id);
  }
}
