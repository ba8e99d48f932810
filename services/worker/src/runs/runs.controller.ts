import type { CallLogEntry } from '@flowbridge/contracts';
import { ApiAdminKey, ApiErrors, AppError, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import type { Repository } from 'typeorm';
import { FormRequestRepository } from '../forms/form-requests.repository';
import { CallLogEntity } from './call-log.entity';
import { RunStepEntity } from './run-step.entity';
import { RunDetail, RunList, RUN_STATUSES, type RunSummary } from './run-responses';
import { RunEntity, runStateOf } from './run.entity';

export class ListRunsQueryDto {
  @ApiPropertyOptional({ description: "The contact's WhatsApp id", example: '447700900123' })
  @IsOptional()
  @Matches(/^\d{6,15}$/, { message: 'contact must be a WhatsApp id (6-15 digits)' })
  contact?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  flowId?: string;

  @ApiPropertyOptional({ enum: RUN_STATUSES })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

function summary(run: RunEntity): RunSummary {
  return {
    id: run.id,
    channelId: run.channelId,
    contact: run.waId,
    flowId: run.flowId,
    flowVersion: run.flowVersion,
    status: run.status,
    screenId: run.screenId,
    endReason: run.endReason,
    startedAt: run.startedAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    endedAt: run.endedAt?.toISOString() ?? null,
  };
}

/** "Verify API request execution": runs, their screens, variables and every API attempt. Read-only. */
@ApiTags('runs')
@ApiAdminKey()
@Controller('runs')
export class RunsController {
  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    @InjectRepository(CallLogEntity) private readonly calls: Repository<CallLogEntity>,
    @InjectRepository(RunStepEntity) private readonly steps: Repository<RunStepEntity>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Runs, newest first: by contact, flow or status' })
  @ApiOkResponse({ type: RunList })
  async list(@WorkspaceId() workspaceId: string, @Query() query: ListRunsQueryDto): Promise<RunList> {
    const rows = await this.runs.find({
      where: {
        workspaceId,
        ...(query.contact ? { waId: query.contact } : {}),
        ...(query.flowId ? { flowId: query.flowId } : {}),
        ...(query.status ? { status: query.status as RunEntity['status'] } : {}),
      },
      order: { startedAt: 'DESC' },
      take: query.limit ?? 50,
    });
    return { items: rows.map(summary) };
  }

  @Get(':id')
  @ApiOperation({
    summary:
      "A run: the screens it went through, current screen, variables, the call log of every API attempt, and its forms' screen requests",
  })
  @ApiOkResponse({ type: RunDetail })
  @ApiErrors({ 404: ['RUN_NOT_FOUND'] })
  async get(
    @WorkspaceId() workspaceId: string,
    @Param('id', new IdPipe('RUN_NOT_FOUND')) id: string,
  ): Promise<RunDetail> {
    const run = await this.runs.findOneBy({ workspaceId, id });
    if (!run) throw new AppError('RUN_NOT_FOUND', `Run ${id} not found`, 404, 'id');
    const [steps, calls, formRequests] = await Promise.all([
      this.steps.find({ where: { runId: id }, order: { id: 'ASC' } }),
      this.calls.find({ where: { runId: id }, order: { id: 'ASC' } }),
      FormRequestRepository.ofRun(this.runs.manager, id),
    ]);
    const state = runStateOf(run);
    return {
      ...summary(run),
      steps: steps.map((s) => ({
        screenId: s.screenId,
        cause: s.cause,
        navigationId: s.navigationId,
        enteredAt: s.enteredAt.toISOString(),
      })),
      variables: state.variables,
      pendingApi: state.pendingApi,
      callLog: calls.map((c) => ({
        stepKey: c.stepKey,
        apiId: c.apiId,
        ...(c.entry as unknown as CallLogEntry),
      })),
      /** Its forms' screen requests to the data endpoint (sensitive values masked); their calls are in callLog. */
      formRequests,
    };
  }
}
