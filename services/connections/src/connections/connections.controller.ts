import { ApiAdminKey, ApiErrors, ApiPage, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ConnectionsErrorCode } from '../rules/errors';
import { CreateConnectionDto, ListQueryDto, UpdateConnectionDto } from './connection.dto';
import { ConnectionView } from './connection.view';
import { ConnectionsService } from './connections.service';

const C = ConnectionsErrorCode;
const ConnectionId = Param('id', new IdPipe(ConnectionsErrorCode.ConnectionNotFound));

@ApiTags('connections')
@ApiAdminKey()
@Controller('connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API connection (secrets are write-only)' })
  @ApiCreatedResponse({ type: ConnectionView })
  @ApiErrors({ 400: [C.SecretRequired, C.InvalidHeader, C.ForbiddenHeader], 409: [C.TitleTaken] })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateConnectionDto): Promise<ConnectionView> {
    return this.connections.create(workspaceId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List the workspace's connections" })
  @ApiPage(ConnectionView, 'One page, by title')
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListQueryDto,
  ): Promise<{ items: ConnectionView[]; total: number }> {
    return this.connections.list(workspaceId, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ConnectionView })
  @ApiErrors({ 404: [C.ConnectionNotFound] })
  get(@WorkspaceId() workspaceId: string, @ConnectionId id: string): Promise<ConnectionView> {
    return this.connections.get(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a connection; omitted secrets are kept, null header values remove headers',
  })
  @ApiOkResponse({ type: ConnectionView })
  @ApiErrors({
    400: [C.SecretRequired, C.InvalidHeader, C.ForbiddenHeader],
    404: [C.ConnectionNotFound],
    409: [C.TitleTaken],
  })
  update(
    @WorkspaceId() workspaceId: string,
    @ConnectionId id: string,
    @Body() dto: UpdateConnectionDto,
  ): Promise<ConnectionView> {
    return this.connections.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a connection (409 while an API uses it)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: [C.ConnectionNotFound], 409: [C.ConnectionInUse] })
  remove(@WorkspaceId() workspaceId: string, @ConnectionId id: string): Promise<void> {
    return this.connections.remove(workspaceId, id);
  }
}
