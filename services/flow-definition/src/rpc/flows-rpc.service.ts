import type {
  ActiveTriggersResponse,
  FlowVersionResponse,
  MatchTriggerResponse,
  TriggerMessage,
} from '@flowbridge/contracts';
import { bestTriggerMatch, type Trigger } from '@flowbridge/flow-engine';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { FlowVersionEntity } from '../publishing/flow-version.entity';
import { versionDocument } from '../publishing/publish.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ActiveRow {
  flow_id: string;
  number: number;
  triggers: FlowVersionEntity['triggers'];
  channel_ids: string[];
  activated_at: Date;
}

/** What the worker asks: which version of which flow a message starts, and a version's document. */
@Injectable()
export class FlowsRpcService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async version(request: unknown): Promise<FlowVersionResponse> {
    const { workspaceId, flowId, version } = (request ?? {}) as Record<string, unknown>;
    if (
      typeof workspaceId !== 'string' ||
      typeof flowId !== 'string' ||
      !UUID.test(flowId) ||
      !Number.isInteger(version)
    )
      return {
        ok: false,
        code: 'INVALID_REQUEST',
        message: 'workspaceId, flowId (uuid) and version (integer) are required',
      };
    const row = await this.db
      .getRepository(FlowVersionEntity)
      .findOneBy({ workspaceId, flowId, number: version as number });
    return row
      ? { ok: true, version: versionDocument(row) }
      : { ok: false, code: 'VERSION_NOT_FOUND', message: `Flow ${flowId} has no version ${String(version)}` };
  }

  /** The active flow whose most specific trigger matches; ties go to the most recently activated. */
  async matchTrigger(request: unknown): Promise<MatchTriggerResponse> {
    const { workspaceId, channelId, message } = (request ?? {}) as Record<string, unknown>;
    if (typeof workspaceId !== 'string' || typeof channelId !== 'string' || !isTriggerMessage(message))
      return {
        ok: false,
        code: 'INVALID_REQUEST',
        message: 'workspaceId, channelId and message are required',
      };
    const best = bestTriggerMatch(await this.activeFor(workspaceId, channelId), message);
    return {
      ok: true,
      match: best && { flowId: best.flow.flowId, version: best.flow.version, trigger: best.kind },
    };
  }

  /** Every active version a channel's messages may start, with its triggers (the worker matches from a cache). */
  async activeTriggers(request: unknown): Promise<ActiveTriggersResponse> {
    const { workspaceId, channelId } = (request ?? {}) as Record<string, unknown>;
    if (typeof workspaceId !== 'string' || typeof channelId !== 'string')
      return { ok: false, code: 'INVALID_REQUEST', message: 'workspaceId and channelId are required' };
    const flows = await this.activeFor(workspaceId, channelId);
    return { ok: true, flows: flows.map((f) => ({ ...f, activatedAt: f.activatedAt.toISOString() })) };
  }

  private async activeFor(
    workspaceId: string,
    channelId: string,
  ): Promise<Array<{ flowId: string; version: number; triggers: Trigger[]; activatedAt: Date }>> {
    const rows: ActiveRow[] = await this.db.query(
      `SELECT v.flow_id, v.number, v.triggers, v.channel_ids, f.activated_at
         FROM flow_definition.flows f
         JOIN flow_definition.flow_versions v ON v.flow_id = f.id AND v.number = f.active_version
        WHERE f.workspace_id = $1 AND f.deleted_at IS NULL
          AND (jsonb_array_length(v.channel_ids) = 0 OR v.channel_ids ? $2)`,
      [workspaceId, channelId.toLowerCase()],
    );
    return rows.map((r) => ({
      flowId: r.flow_id,
      version: r.number,
      triggers: r.triggers,
      activatedAt: r.activated_at,
    }));
  }
}

function isTriggerMessage(value: unknown): value is TriggerMessage {
  if (value === null || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  if (m.kind === 'text') return typeof m.text === 'string';
  if (m.kind === 'choice')
    return typeof m.id === 'string' && (m.title === undefined || typeof m.title === 'string');
  if (m.kind === 'flow') return m.data !== null && typeof m.data === 'object' && !Array.isArray(m.data);
  return m.kind === 'other' && typeof m.type === 'string';
}
