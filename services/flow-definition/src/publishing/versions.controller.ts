import { ApiAdminKey, ApiErrors, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { VersionNumberPipe } from './version-number.pipe';
import {
  Deactivated,
  FlowInvalidError,
  FlowVersionView,
  PublishResult,
  VersionList,
  VersionSummary,
} from '../flows/flow-responses';
import { PublishService } from './publish.service';

const FlowId = Param('id', new IdPipe(FlowErrorCode.FlowNotFound));
const Version = Param('n', new VersionNumberPipe());

@ApiTags('versions')
@ApiAdminKey()
@Controller('flows/:id')
export class VersionsController {
  constructor(private readonly publishing: PublishService) {}

  @Post('publish')
  @ApiOperation({ summary: 'Publish: 201 with version N, or 422 with every problem to fix' })
  @ApiCreatedResponse({ type: PublishResult })
  @ApiResponse({
    status: 422,
    type: FlowInvalidError,
    description: `${FlowErrorCode.FlowInvalid}: every problem`,
  })
  @ApiErrors({
    404: [FlowErrorCode.FlowNotFound],
    409: [FlowErrorCode.DraftChanged],
    503: [FlowErrorCode.ConnectionsUnavailable, FlowErrorCode.FormsUnavailable],
  })
  publish(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<PublishResult> {
    return this.publishing.publish(workspaceId, id);
  }

  @Get('versions')
  @ApiOperation({ summary: 'The published versions, newest first, and the active one' })
  @ApiOkResponse({ type: VersionList })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound] })
  versions(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<VersionList> {
    return this.publishing.versions(workspaceId, id);
  }

  @Get('versions/:n')
  @ApiOperation({ summary: 'One published version, as it runs' })
  @ApiOkResponse({ type: FlowVersionView })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound, FlowErrorCode.VersionNotFound] })
  version(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Version n: number,
  ): Promise<FlowVersionView> {
    return this.publishing.version(workspaceId, id, n);
  }

  @Post('versions/:n/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Roll back or forward: new runs start on version N' })
  @ApiOkResponse({ type: VersionSummary })
  @ApiResponse({
    status: 422,
    type: FlowInvalidError,
    description: `${FlowErrorCode.FlowInvalid}: its triggers clash`,
  })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound, FlowErrorCode.VersionNotFound] })
  activate(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Version n: number,
  ): Promise<VersionSummary> {
    return this.publishing.activate(workspaceId, id, n);
  }

  @Post('deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop starting new runs; runs in progress finish on their version' })
  @ApiOkResponse({ type: Deactivated })
  @ApiErrors({ 404: [FlowErrorCode.FlowNotFound] })
  deactivate(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<Deactivated> {
    return this.publishing.deactivate(workspaceId, id);
  }
}
