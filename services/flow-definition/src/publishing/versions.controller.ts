import type { FlowVersionDocument } from '@flowbridge/contracts';
import { IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { VersionNumberPipe } from './version-number.pipe';
import { type PublishResult, PublishService, type VersionSummary } from './publish.service';

const FlowId = Param('id', new IdPipe(FlowErrorCode.FlowNotFound));
const Version = Param('n', new VersionNumberPipe());

@ApiTags('versions')
@ApiBearerAuth()
@Controller('flows/:id')
export class VersionsController {
  constructor(private readonly publishing: PublishService) {}

  @Post('publish')
  @ApiOperation({ summary: 'Publish: 201 with version N, or 422 with every problem to fix' })
  publish(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<PublishResult> {
    return this.publishing.publish(workspaceId, id);
  }

  @Get('versions')
  versions(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
  ): Promise<{ items: VersionSummary[]; activeVersion: number | null }> {
    return this.publishing.versions(workspaceId, id);
  }

  @Get('versions/:n')
  version(
    @WorkspaceId() workspaceId: string,
    @FlowId id: string,
    @Version n: number,
  ): Promise<FlowVersionDocument & { active: boolean }> {
    return this.publishing.version(workspaceId, id, n);
  }

  @Post('versions/:n/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Roll back or forward: new runs start on version N' })
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
  deactivate(@WorkspaceId() workspaceId: string, @FlowId id: string): Promise<{ activeVersion: null }> {
    return this.publishing.deactivate(workspaceId, id);
  }
}
