import { ApiAdminKey, ApiErrors, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { VersionNumberPipe } from '../publishing/version-number.pipe';
import { FlowBundles } from './flow-bundles';
import { FlowImported, ImportFlowDto, ImportRefusedError } from './flow-responses';

/** Flows that move between environments: exported as a bundle (no secret), imported by name. */
@ApiTags('flows')
@ApiAdminKey()
@Controller('flows')
export class FlowBundlesController {
  constructor(private readonly bundles: FlowBundles) {}

  @Get(':id/export')
  @ApiOperation({
    summary:
      'The flow (its draft, or ?version=N) with the APIs and connections it calls, by name; secrets left out ' +
      'and named (requiredSecrets)',
  })
  @ApiQuery({
    name: 'version',
    required: false,
    type: Number,
    description: 'A published version; default: the draft',
  })
  @ApiOkResponse({ schema: { $ref: '#/components/schemas/FlowBundle' } })
  @ApiErrors({
    404: [FlowErrorCode.FlowNotFound, FlowErrorCode.VersionNotFound],
    503: [FlowErrorCode.ConnectionsUnavailable],
  })
  export(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe(FlowErrorCode.FlowNotFound)) id: string,
    @Query('version', new VersionNumberPipe({ optional: true })) version?: number,
  ): Promise<object> {
    return this.bundles.export(workspaceId, id, version);
  }

  @Post('import')
  @ApiOperation({
    summary:
      'A new draft from a bundle: its connections and APIs matched by name or created (with the secrets given; ' +
      "an existing one's secrets are never overwritten), or 422 with every problem",
  })
  @ApiCreatedResponse({ type: FlowImported })
  @ApiResponse({
    status: 422,
    type: ImportRefusedError,
    description: `${FlowErrorCode.ImportRefused}: every problem`,
  })
  @ApiErrors({ 503: [FlowErrorCode.ConnectionsUnavailable] })
  import(@WorkspaceId() workspaceId: string, @Body() dto: ImportFlowDto): Promise<FlowImported> {
    return this.bundles.import(workspaceId, dto);
  }
}
