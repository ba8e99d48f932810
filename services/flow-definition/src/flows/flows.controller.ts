import { ApiAdminKey, ApiErrors, ApiPage, AppError, IdPipe, WorkspaceId } from '@flowbridge/platform';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiCreatedResponse,
  ApiHeader,
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
  @ApiErrors({ 400: [FlowErrorCode.ChannelNotFound], 409: [FlowErrorCode.NameTaken] })
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
  @ApiOkResponse({ type: FlowView, headers: { ETag: { description: "The draft's revision, for If-Match" } } })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound] })
  async get(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FlowView> {
    return withETag(res, await this.flows.get(workspaceId, id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the draft; published versions are not affected',
    description:
      'With If-Match (the ETag or `revision` last read), a draft saved by someone else since is refused with 412 ' +
      'REVISION_CHANGED instead of being overwritten.',
  })
  @ApiHeader({ name: 'if-match', required: false, description: 'The revision last read, e.g. "4"' })
  @ApiOkResponse({ type: FlowView, headers: { ETag: { description: 'The new revision' } } })
  @ApiErrors({
    400: [FlowErrorCode.ChannelNotFound],
    404: [FlowErrorCode.FlowNotFound],
    409: [FlowErrorCode.NameTaken],
    412: [FlowErrorCode.RevisionChanged],
  })
  async update(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Body() dto: UpdateFlowDto,
    @Res({ passthrough: true }) res: Response,
    @Headers('if-match') ifMatch?: string,
  ): Promise<FlowView> {
    return withETag(res, await this.flows.update(workspaceId, id, dto, revisionOf(ifMatch)));
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

/** The draft's revision as its ETag (a strong one: the revision changes with every save). */
function withETag(res: Response, view: FlowView): FlowView {
  res.setHeader('ETag', `"${view.revision}"`);
  return view;
}

/** If-Match as a revision: `"4"`, `W/"4"` or `4`; `*` (or none) asks for no check. */
function revisionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(ifMatch);
  if (!match)
    throw AppError.validation('If-Match', 'If-Match must be the ETag of the draft, e.g. "4" (or *)');
  return Number(match[1]);
}
