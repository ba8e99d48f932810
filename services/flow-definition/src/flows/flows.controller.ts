import { ApiAdminKey, ApiErrors, ApiPage, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { CreateFlowDto, ListFlowsQueryDto, UpdateFlowDto } from './flow.dto';
import { FlowValidation, FlowView } from './flow-responses';
import { FlowsService } from './flows.service';

const FlowId = Param('id', new IdPipe(FlowErrorCode.FlowNotFound));

@ApiTags('flows')
@ApiAdminKey()
@Controller('flows')
export class FlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a draft (saved with its validation problems, even when invalid)' })
  @ApiCreatedResponse({ type: FlowView })
  @ApiErrors({ 409: [FlowErrorCode.NameTaken] })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateFlowDto): Promise<FlowView> {
    return this.flows.create(workspaceId, dto);
  }

  @Get()
  @ApiOperation({ summary: "List the workspace's flows" })
  @ApiPage(FlowView)
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListFlowsQueryDto,
  ): Promise<{ items: FlowView[]; total: number }> {
    return this.flows.list(workspaceId, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: FlowView })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound] })
  get(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<FlowView> {
    return this.flows.get(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the draft; published versions are not affected' })
  @ApiOkResponse({ type: FlowView })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound], 409: [FlowErrorCode.NameTaken] })
  update(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Body() dto: UpdateFlowDto,
  ): Promise<FlowView> {
    return this.flows.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the flow and its versions; runs in progress finish' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound] })
  remove(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<void> {
    return this.flows.remove(workspaceId, id);
  }

  @Post(':id/validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verifying Configuration: every problem of the draft, APIs checked' })
  @ApiOkResponse({ type: FlowValidation })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound], 503: [FlowErrorCode.ConnectionsUnavailable] })
  async validate(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<FlowValidation> {
    const { problems, publishable } = await this.flows.revalidate(workspaceId, id);
    return { problems, publishable };
  }
}
