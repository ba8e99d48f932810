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
import { CreateApiDto, ListApisQueryDto, UpdateApiDto } from './api.dto';
import { ApiView } from './api.view';
import { ApisService } from './apis.service';

const C = ConnectionsErrorCode;
const API_INPUT = [
  C.InvalidPath,
  C.PathEscapesBase,
  C.InvalidHeader,
  C.ForbiddenHeader,
  C.InvalidMapping,
  C.InvalidSuccessWhen,
  C.BodyNotAllowed,
  C.ConnectionNotFound,
];
const ApiId = Param('id', new IdPipe(ConnectionsErrorCode.ApiNotFound));

@ApiTags('apis')
@ApiAdminKey()
@Controller('apis')
export class ApisController {
  constructor(private readonly apis: ApisService) {}

  @Post()
  @ApiOperation({ summary: 'Add API data: a named request on a connection' })
  @ApiCreatedResponse({ type: ApiView })
  @ApiErrors({ 400: API_INPUT, 409: [C.ApiNameTaken] })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateApiDto): Promise<ApiView> {
    return this.apis.create(workspaceId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List the workspace's APIs, or one connection's" })
  @ApiPage(ApiView, 'One page, by name')
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListApisQueryDto,
  ): Promise<{ items: ApiView[]; total: number }> {
    return this.apis.list(workspaceId, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ApiView })
  @ApiErrors({ 404: [C.ApiNotFound] })
  get(@WorkspaceId() workspaceId: string, @ApiId id: string): Promise<ApiView> {
    return this.apis.get(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an API; flows that use it see the change on their next call' })
  @ApiOkResponse({ type: ApiView })
  @ApiErrors({ 400: API_INPUT, 404: [C.ApiNotFound], 409: [C.ApiNameTaken] })
  update(@WorkspaceId() workspaceId: string, @ApiId id: string, @Body() dto: UpdateApiDto): Promise<ApiView> {
    return this.apis.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an API' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: [C.ApiNotFound] })
  remove(@WorkspaceId() workspaceId: string, @ApiId id: string): Promise<void> {
    return this.apis.remove(workspaceId, id);
  }
}
