import { ApiAdminKey, ApiErrors, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { MessagingErrorCode } from '../errors';
import { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { ChannelFlowKeys } from './channel-flow-keys';
import { ChannelHealth, ChannelList, ChannelView, FlowKeyView } from './channel-responses';
import { ChannelsService } from './channels.service';

const M = MessagingErrorCode;
const ChannelId = Param('id', new IdPipe(MessagingErrorCode.ChannelNotFound));

@ApiTags('channels')
@ApiAdminKey()
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
  @ApiCreatedResponse({ type: ChannelView })
  @ApiErrors({ 409: [M.PhoneNumberTaken], 422: [M.PhoneNumberNotVerified], 503: [M.CloudApiUnavailable] })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateChannelDto): Promise<ChannelView> {
    return this.channels.create(workspaceId, dto);
  }

  @Get()
  @ApiOperation({ summary: "The workspace's channels" })
  @ApiOkResponse({ type: ChannelList })
  list(@WorkspaceId() workspaceId: string): Promise<ChannelList> {
    return this.channels.list(workspaceId);
  }

  @Get(':id')
  @ApiOkResponse({ type: ChannelView })
  @ApiErrors({ 404: [M.ChannelNotFound] })
  get(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<ChannelView> {
    return this.channels.get(workspaceId, id);
  }

  @Get(':id/health')
  @ApiOperation({
    summary: 'Whether the token works, and the last error Meta reported (e.g. an expired token)',
  })
  @ApiOkResponse({ type: ChannelHealth })
  @ApiErrors({ 404: [M.ChannelNotFound] })
  health(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<ChannelHealth> {
    return this.channels.health(workspaceId, id);
  }

  @Post(':id/flow-key')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Make a new key pair for the WhatsApp Flows data endpoint and upload its public key to the Cloud API ' +
      '(the private key is sealed and never shown); also the way to rotate it',
  })
  @ApiOkResponse({ type: FlowKeyView })
  @ApiErrors({ 404: [M.ChannelNotFound], 422: [M.FlowKeyRefused], 503: [M.CloudApiUnavailable] })
  rotateFlowKey(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<FlowKeyView> {
    return this.flowKeys.rotate(workspaceId, id);
  }

  @Get(':id/flow-key')
  @ApiOperation({
    summary: 'The Flows public key, and whether the Cloud API holds it with a valid signature',
  })
  @ApiOkResponse({ type: FlowKeyView })
  @ApiErrors({ 404: [M.ChannelNotFound] })
  flowKey(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<FlowKeyView> {
    return this.flowKeys.status(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a channel; omitted secrets are kept' })
  @ApiOkResponse({ type: ChannelView })
  @ApiErrors({
    404: [M.ChannelNotFound],
    409: [M.PhoneNumberTaken],
    422: [M.PhoneNumberNotVerified],
    503: [M.CloudApiUnavailable],
  })
  update(
    @WorkspaceId() workspaceId: string,
    @ChannelId id: string,
    @Body() dto: UpdateChannelDto,
  ): Promise<ChannelView> {
    return this.channels.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disconnect a number; its messages stay in the log' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: [M.ChannelNotFound] })
  remove(@WorkspaceId() workspaceId: string, @ChannelId id: string): Promise<void> {
    return this.channels.remove(workspaceId, id);
  }
}
