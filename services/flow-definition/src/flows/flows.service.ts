import { randomUUID } from 'node:crypto';
import { FLOW_SCHEMA_VERSION, type Problem } from '@flowbridge/flow-engine';
import { AppError, violatedConstraint } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { channelProblems } from '../channels/channel-problems';
import { ChannelsClient } from '../channels/channels.client';
import { FlowErrorCode } from '../errors';
import { FlowEvents } from '../publishing/flow-events';
import { FlowValidator } from '../validation/flow-validator';
import type { CreateFlowDto, ListFlowsQueryDto, UpdateFlowDto } from './flow.dto';
import { FlowEntity } from './flow.entity';
import type { FlowView } from './flow-responses';
import { flowView } from './flow.view';

const DOCUMENT_FIELDS = [
  'schemaVersion',
  'name',
  'triggers',
  'startScreen',
  'screens',
  'variables',
  'forms',
  'layout',
] as const;

/** Drafts: saved as submitted, with the problems validation finds in them. */
@Injectable()
export class FlowsService {
  constructor(
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    private readonly validator: FlowValidator,
    private readonly events: FlowEvents,
    private readonly channels: ChannelsClient,
  ) {}

  async list(workspaceId: string, query: ListFlowsQueryDto): Promise<{ items: FlowView[]; total: number }> {
    const [rows, total] = await this.flows.findAndCount({
      where: { workspaceId, deletedAt: IsNull() },
      order: { name: 'ASC', id: 'ASC' },
      take: Math.min(Math.max(query.limit ?? 50, 1), 200),
      skip: Math.max(query.offset ?? 0, 0),
    });
    return { items: rows.map(flowView), total };
  }

  async get(workspaceId: string, id: string): Promise<FlowView> {
    return flowView(await this.find(workspaceId, id));
  }

  async create(workspaceId: string, dto: CreateFlowDto): Promise<FlowView> {
    const entity = this.flows.create({
      id: randomUUID(),
      workspaceId,
      document: { schemaVersion: FLOW_SCHEMA_VERSION, triggers: [], screens: [], variables: [] },
      channelIds: [],
      activeVersion: null,
      latestVersion: 0,
      activatedAt: null,
      deletedAt: null,
    });
    await this.apply(entity, dto);
    return flowView(await this.save(entity));
  }

  /**
   * Saves a change to the draft. With `expected` (the revision the editor last read: If-Match), a draft saved
   * since is refused, never overwritten: checked before validating and again, under the row's lock, when saving.
   */
  async update(workspaceId: string, id: string, dto: UpdateFlowDto, expected?: number): Promise<FlowView> {
    const entity = await this.find(workspaceId, id);
    checkRevision(entity, expected);
    await this.apply(entity, dto);
    if (expected === undefined) return flowView(await this.save(entity));
    return flowView(
      await this.flows.manager.transaction(async (tx) => {
        const current = await tx.findOne(FlowEntity, {
          where: { workspaceId, id, deletedAt: IsNull() },
          lock: { mode: 'pessimistic_write' },
        });
        if (!current) throw new AppError(FlowErrorCode.FlowNotFound, `Flow ${id} not found`, 404, 'id');
        checkRevision(current, expected);
        return this.save(entity, tx.getRepository(FlowEntity));
      }),
    );
  }

  /** Validates the draft again (the APIs it calls or its channels may have changed) and saves what it finds. */
  async revalidate(workspaceId: string, id: string): Promise<FlowView> {
    const entity = await this.find(workspaceId, id);
    entity.problems = await this.problemsOf(entity, true);
    return flowView(await this.flows.save(entity));
  }

  /** Deleted flows stop matching at once; their versions stay readable for runs still on them. */
  async remove(workspaceId: string, id: string): Promise<void> {
    const entity = await this.find(workspaceId, id);
    entity.deletedAt = new Date();
    entity.activeVersion = null;
    await this.flows.save(entity);
    await this.events.publish({ workspaceId, flowId: id, activeVersion: null, change: 'deleted' });
  }

  async find(workspaceId: string, id: string): Promise<FlowEntity> {
    const entity = await this.flows.findOneBy({ workspaceId, id, deletedAt: IsNull() });
    if (!entity) throw new AppError(FlowErrorCode.FlowNotFound, `Flow ${id} not found`, 404, 'id');
    return entity;
  }

  private async apply(entity: FlowEntity, dto: UpdateFlowDto): Promise<void> {
    const document = { ...entity.document };
    for (const field of DOCUMENT_FIELDS) if (dto[field] !== undefined) document[field] = dto[field];
    entity.document = document;
    if (dto.name !== undefined) entity.name = dto.name;
    if (dto.channelIds !== undefined) {
      const channelIds = dto.channelIds.map((c) => c.toLowerCase());
      const [unknown] = await this.channels.unknown(entity.workspaceId, channelIds);
      if (unknown)
        throw AppError.validation(
          `channelIds[${unknown.index}]`,
          `The workspace has no channel ${unknown.id}`,
          FlowErrorCode.ChannelNotFound,
        );
      entity.channelIds = [...new Set(channelIds)];
    }
    entity.problems = await this.problemsOf(entity);
  }

  /**
   * What validation finds in the draft, and its channels the workspace no longer has (`fresh`: asked now, not
   * from what the messaging service said lately).
   */
  private async problemsOf(entity: FlowEntity, fresh = false): Promise<Problem[]> {
    const { problems } = await this.validator.validate(entity.workspaceId, entity.document, 'draft');
    const unknown = await this.channels.unknown(entity.workspaceId, entity.channelIds, fresh);
    return [...problems, ...channelProblems(unknown)];
  }

  private async save(entity: FlowEntity, flows = this.flows): Promise<FlowEntity> {
    try {
      return await flows.save(entity);
    } catch (error) {
      if (violatedConstraint(error, '23505') === 'UQ_flows_workspace_name')
        throw AppError.conflict(
          FlowErrorCode.NameTaken,
          `A flow named "${entity.name}" already exists in this workspace`,
          'name',
        );
      throw error;
    }
  }
}

/** 412 when the draft has been saved since the revision the caller read. */
function checkRevision(entity: FlowEntity, expected: number | undefined): void {
  if (expected === undefined || entity.version === expected) return;
  throw new AppError(
    FlowErrorCode.RevisionChanged,
    `The draft was saved by someone else since revision ${expected} (it is at ${entity.version}): reload it and make your change again`,
    412,
    'If-Match',
  );
}
