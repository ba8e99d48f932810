import { AppError, IdPipe, WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import type { Repository } from 'typeorm';
import { FormRequestRepository } from '../forms/form-requests.repository';
import { CallLogEntity } from './call-log.entity';
import { RunStepEntity } from './run-step.entity';
import { RunEntity, runStateOf } from './run.entity';

export class ListRunsQueryDto {
  @IsOptional()
  @Matches(/^\d{6,15}$/, { message: 'contact must be a WhatsApp id (6-15 digits)' })
  contact?: string;

  @IsOptional()
  @IsUUID('all')
  flowId?: string;

  @IsOptional()
  @IsIn(['active', 'waiting_input', 'completed', 'failed', 'expired'])
  status?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

function summary(run: RunEntity) {
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
@ApiBearerAuth()
@Controller('runs')
export class RunsController {
  constructor(
    @InjectRepository(RunEntity) private readonly runs: Repository<RunEntity>,
    @InjectRepository(CallLogEntity) private readonly calls: Repository<CallLogEntity>,
    @InjectRepository(RunStepEntity) private readonly steps: Repository<RunStepEntity>,
  ) {}

  @Get()
  async list(@WorkspaceId() workspaceId: string, @Query() query: ListRunsQueryDto) {
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
  async get(@WorkspaceId() workspaceId: string, @Param('id', new IdPipe('RUN_NOT_FOUND')) id: string) {
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
      callLog: calls.map((c) => ({ stepKey: c.stepKey, apiId: c.apiId, ...c.entry })),
      /** Its forms' screen requests to the data endpoint (sensitive values masked); their calls are in callLog. */
      formRequests,
    };
  }
}
