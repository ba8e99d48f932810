import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsErrorCode } from '../rules/errors';
import { CreateConnectionDto, ListQueryDto, UpdateConnectionDto } from './connection.dto';
import type { ConnectionView } from './connection.view';
import { ConnectionsService } from './connections.service';

const ConnectionId = Param('id', new IdPipe(ConnectionsErrorCode.ConnectionNotFound));

@ApiTags('connections')
@ApiBearerAuth()
@Controller('connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API connection (secrets are write-only)' })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateConnectionDto): Promise<ConnectionView> {
    return this.connections.create(workspaceId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List the workspace's connections" })
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListQueryDto,
  ): Promise<{ items: ConnectionView[]; total: number }> {
    return this.connections.list(workspaceId, query);
  }

  @Get(':id')
  get(@WorkspaceId() workspaceId: string, @ConnectionId id: string): Promise<ConnectionView> {
    return this.connections.get(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a connection; omitted secrets are kept, null header values remove headers',
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
  remove(@WorkspaceId() workspaceId: string, @ConnectionId id: string): Promise<void> {
    return this.connections.remove(workspaceId, id);
  }
}
