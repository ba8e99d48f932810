import type { FlowVersionDocument, JsonValue } from '@flowbridge/contracts';
import { type FlowDocument, hasErrors, type Problem, type Trigger } from '@flowbridge/flow-engine';
import { AppError } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { channelProblems } from '../channels/channel-problems';
import { ChannelsClient } from '../channels/channels.client';
import { FlowErrorCode } from '../errors';
import { FlowEntity } from '../flows/flow.entity';
import { FlowsService } from '../flows/flows.service';
import { FlowValidator } from '../validation/flow-validator';
import type { PublishResult, VersionSummary } from '../flows/flow-responses';
import { FlowEvents } from './flow-events';
import { FormsClient } from './forms.client';
import { FlowVersionEntity } from './flow-version.entity';
import { type ActiveFlow, triggerConflicts } from './trigger-conflicts';

/** Publish = "Verifying Configuration": validate, check triggers against other active flows, snapshot. */
@Injectable()
export class PublishService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly flows: FlowsService,
    private readonly validator: FlowValidator,
    private readonly events: FlowEvents,
    private readonly forms: FormsClient,
    private readonly channels: ChannelsClient,
  ) {}

  async publish(workspaceId: string, flowId: string): Promise<PublishResult> {
    const draft = await this.flows.find(workspaceId, flowId);
    const { flow, problems } = await this.validator.validate(workspaceId, draft.document, 'publish');
    // Asked afresh: a channel disconnected a moment ago must not be published to.
    problems.push(...channelProblems(await this.channels.unknown(workspaceId, draft.channelIds, true)));
    // The forms go live on the Cloud API first, for the number this version will get: Meta's objections are
    // the version's problems. A publish that loses the number to another one is refused (publish again).
    // Without forms, concurrent publishes each take the next number in turn.
    const formsNumber = flow?.forms?.length ? draft.latestVersion + 1 : null;
    const refusedForms =
      flow && formsNumber && !hasErrors(problems)
        ? await this.forms.publish(workspaceId, flowId, formsNumber, draft.channelIds, flow)
        : null;
    if (refusedForms) problems.push(...refusedForms);
    type Outcome = { refused: Problem[] } | { version: FlowVersionEntity; problems: Problem[] };
    const result = await this.db.transaction(async (tx): Promise<Outcome> => {
      await lockWorkspace(tx, workspaceId);
      const entity = await tx.findOne(FlowEntity, {
        where: { workspaceId, id: flowId, deletedAt: IsNull() },
        lock: { mode: 'pessimistic_write' },
      });
      if (!entity) throw new AppError(FlowErrorCode.FlowNotFound, `Flow ${flowId} not found`, 404, 'id');
      // What was validated is what gets published: a draft edited meanwhile is published by a second try.
      if (JSON.stringify(entity.document) !== JSON.stringify(draft.document))
        throw AppError.conflict(
          FlowErrorCode.DraftChanged,
          'The draft changed while it was being published; publish again',
        );
      const all = flow
        ? [...problems, ...(await this.conflicts(tx, entity, flow.triggers, entity.channelIds))]
        : problems;
      entity.problems = all;
      if (!flow || hasErrors(all)) {
        await tx.save(entity);
        return { refused: all };
      }
      const number = entity.latestVersion + 1;
      if (formsNumber !== null && formsNumber !== number)
        throw AppError.conflict(
          FlowErrorCode.DraftChanged,
          'Another version was published meanwhile; publish again',
        );
      const version = tx.create(FlowVersionEntity, {
        flowId,
        number,
        workspaceId,
        document: flow as unknown as Record<string, unknown>,
        triggers: flow.triggers,
        channelIds: entity.channelIds,
      });
      await tx.save(FlowVersionEntity, version);
      Object.assign(entity, { latestVersion: number, activeVersion: number, activatedAt: new Date() });
      await tx.save(entity);
      return { version: await tx.findOneByOrFail(FlowVersionEntity, { flowId, number }), problems: all };
    });
    if ('refused' in result) throw invalid(result.refused, 'The flow cannot be published');
    await this.events.publish({
      workspaceId,
      flowId,
      activeVersion: result.version.number,
      change: 'published',
    });
    return { flowId, ...summary(result.version, result.version.number), problems: result.problems };
  }

  async versions(
    workspaceId: string,
    flowId: string,
  ): Promise<{ items: VersionSummary[]; activeVersion: number | null }> {
    const flow = await this.flows.find(workspaceId, flowId);
    const rows = await this.db.getRepository(FlowVersionEntity).find({
      where: { workspaceId, flowId },
      select: { flowId: true, number: true, publishedAt: true },
      order: { number: 'DESC' },
    });
    return { items: rows.map((r) => summary(r, flow.activeVersion)), activeVersion: flow.activeVersion };
  }

  async version(
    workspaceId: string,
    flowId: string,
    number: number,
  ): Promise<FlowVersionDocument & { active: boolean }> {
    const flow = await this.flows.find(workspaceId, flowId);
    const row = await this.findVersion(this.db.manager, workspaceId, flowId, number);
    return { ...versionDocument(row), active: flow.activeVersion === number };
  }

  /** Makes version N the one new runs start on (roll back or forward); runs in progress keep theirs. */
  async activate(workspaceId: string, flowId: string, number: number): Promise<VersionSummary> {
    const version = await this.db.transaction(async (tx) => {
      await lockWorkspace(tx, workspaceId);
      const entity = await this.lockFlow(tx, workspaceId, flowId);
      const row = await this.findVersion(tx, workspaceId, flowId, number);
      const conflicts = await this.conflicts(tx, entity, row.triggers, row.channelIds);
      if (hasErrors(conflicts)) throw invalid(conflicts, `Version ${number} cannot be activated`);
      Object.assign(entity, { activeVersion: number, activatedAt: new Date() });
      await tx.save(entity);
      return row;
    });
    await this.events.publish({ workspaceId, flowId, activeVersion: number, change: 'activated' });
    return summary(version, number);
  }

  async deactivate(workspaceId: string, flowId: string): Promise<{ activeVersion: null }> {
    await this.db.transaction(async (tx) => {
      const entity = await this.lockFlow(tx, workspaceId, flowId);
      entity.activeVersion = null;
      await tx.save(entity);
    });
    await this.events.publish({ workspaceId, flowId, activeVersion: null, change: 'deactivated' });
    return { activeVersion: null };
  }

  /** Other active flows of the workspace on a shared channel whose triggers claim the same messages. */
  private async conflicts(
    tx: EntityManager,
    flow: FlowEntity,
    triggers: Trigger[],
    channelIds: string[],
  ): Promise<Problem[]> {
    const others = await tx.query<ActiveFlow[]>(
      `SELECT f.name, v.triggers, v.channel_ids AS "channelIds"
         FROM flow_definition.flows f
         JOIN flow_definition.flow_versions v ON v.flow_id = f.id AND v.number = f.active_version
        WHERE f.workspace_id = $1 AND f.deleted_at IS NULL AND f.id <> $2`,
      [flow.workspaceId, flow.id],
    );
    return triggerConflicts(triggers, channelIds, others);
  }

  private async lockFlow(tx: EntityManager, workspaceId: string, flowId: string): Promise<FlowEntity> {
    const entity = await tx.findOne(FlowEntity, {
      where: { workspaceId, id: flowId, deletedAt: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
    if (!entity) throw new AppError(FlowErrorCode.FlowNotFound, `Flow ${flowId} not found`, 404, 'id');
    return entity;
  }

  private async findVersion(
    tx: EntityManager,
    workspaceId: string,
    flowId: string,
    number: number,
  ): Promise<FlowVersionEntity> {
    const row = await tx.findOneBy(FlowVersionEntity, { workspaceId, flowId, number });
    if (!row)
      throw new AppError(
        FlowErrorCode.VersionNotFound,
        `Flow ${flowId} has no version ${number}`,
        404,
        'version',
      );
    return row;
  }
}

/** Publishing and activation in one workspace take turns, so two flows cannot both claim a keyword. */
async function lockWorkspace(tx: EntityManager, workspaceId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`flows:${workspaceId}`]);
}

function invalid(problems: Problem[], message: string): AppError {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return new AppError(FlowErrorCode.FlowInvalid, `${message}: ${errors} problem(s) to fix`, 422, undefined, {
    problems,
  });
}

function summary(
  row: Pick<FlowVersionEntity, 'number' | 'publishedAt'>,
  active: number | null,
): VersionSummary {
  return { version: row.number, publishedAt: row.publishedAt.toISOString(), active: row.number === active };
}

export function versionDocument(row: FlowVersionEntity): FlowVersionDocument {
  return {
    flowId: row.flowId,
    workspaceId: row.workspaceId,
    version: row.number,
    document: row.document as FlowDocument & Record<string, JsonValue>,
    channelIds: row.channelIds,
    publishedAt: row.publishedAt.toISOString(),
  };
}
