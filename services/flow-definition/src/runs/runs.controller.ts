import { ApiAdminKey, ApiErrors, AppError, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FlowErrorCode } from '../errors';
import { StartRunDto } from '../flows/flow.dto';
import { RunAccepted } from '../flows/flow-responses';
import { RunsService } from './runs.service';

@ApiTags('runs')
@ApiAdminKey()
@Controller('flows/:id/runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'API trigger: start the active version for a contact (queued for the worker)' })
  @ApiHeader({
    name: 'idempotency-key',
    required: false,
    description: 'A retried request with the same key starts one run',
  })
  @ApiAcceptedResponse({ type: RunAccepted, description: 'Recorded and queued; the worker starts the run' })
  @ApiErrors({
    400: [FlowErrorCode.ChannelNotListened, FlowErrorCode.ChannelNotFound],
    404: [FlowErrorCode.FlowNotFound],
    409: [FlowErrorCode.FlowNotActive, FlowErrorCode.ApiTriggerNotEnabled],
  })
  start(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe(FlowErrorCode.FlowNotFound)) id: string,
    @Body() dto: StartRunDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RunAccepted> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
      throw AppError.validation('Idempotency-Key', 'Idempotency-Key must be 1-255 visible ASCII characters');
    return this.runs.start(workspaceId, id, dto, idempotencyKey);
  }
}
