import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsErrorCode } from '../rules/errors';
import { CreateApiDto, ListApisQueryDto, UpdateApiDto } from './api.dto';
import type { ApiView } from './api.view';
import { ApisService } from './apis.service';

const ApiId = Param('id', new IdPipe(ConnectionsErrorCode.ApiNotFound));

@ApiTags('apis')
@ApiBearerAuth()
@Controller('apis')
export class ApisController {
  constructor(private readonly apis: ApisService) {}

  @Post()
  @ApiOperation({ summary: 'Add API data: a named request on a connection' })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateApiDto): Promise<ApiView> {
    return this.apis.create(workspaceId, dto);
  }

  @Get()
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListApisQueryDto,
  ): Promise<{ items: ApiView[]; total: number }> {
    return this.apis.list(workspaceId, query);
  }

  @Get(':id')
  get(@WorkspaceId() workspaceId: string, @ApiId id: string): Promise<ApiView> {
    return this.apis.get(workspaceId, id);
  }

  @Patch(':id')
  update(@WorkspaceId() workspaceId: string, @ApiId id: string, @Body() dto: UpdateApiDto): Promise<ApiView> {
    return this.apis.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@WorkspaceId() workspaceId: string, @ApiId id: string): Promise<void> {
    return this.apis.remove(workspaceId, id);
  }
}
