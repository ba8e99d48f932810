import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagingErrorCode } from '../errors';
import { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { ChannelsService } from './channels.service';

const ChannelId = Param('id', new IdPipe(MessagingErrorCode.ChannelNotFound));

@ApiTags('channels')
@ApiBearerAuth()
@Controller('channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

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
