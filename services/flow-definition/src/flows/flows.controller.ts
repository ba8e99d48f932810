import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { CreateFlowDto, ListFlowsQueryDto, UpdateFlowDto } from './flow.dto';
import type { FlowView } from './flow.view';
import { FlowsService } from './flows.service';

const FlowId = Param('id', new IdPipe(FlowErrorCode.FlowNotFound));

@ApiTags('flows')
@ApiBearerAuth()
@Controller('flows')
export class FlowsController {
  constructor(private readonly flows: FlowsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a draft (saved with its validation problems, even when invalid)' })
  create(@WorkspaceId() workspaceId: string, @Body() dto: CreateFlowDto): Promise<FlowView> {
    return this.flows.create(workspaceId, dto);
  }

  @Get()
  list(
    @WorkspaceId() workspaceId: string,
    @Query() query: ListFlowsQueryDto,
  ): Promise<{ items: FlowView[]; total: number }> {
    return this.flows.list(workspaceId, query);
  }

  @Get(':id')
  get(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<FlowView> {
    return this.flows.get(workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the draft; published versions are not affected' })
  update(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Body() dto: UpdateFlowDto,
  ): Promise<FlowView> {
    return this.flows.update(workspaceId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<void> {
    return this.flows.remove(workspaceId, id);
  }

  @Post(':id/validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verifying Configuration: every problem of the draft, APIs checked' })
  async validate(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
  ): Promise<Pick<FlowView, 'problems' | 'publishable'>> {
    const { problems, publishable } = await this.flows.revalidate(workspaceId, id);
    return { problems, publishable };
  }
}
