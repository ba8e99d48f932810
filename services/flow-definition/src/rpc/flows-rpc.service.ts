import type {
  FlowVersionResponse,
  MatchTriggerResponse,
  TriggerKind,
  TriggerMessage,
} from '@flowbridge/contracts';
import { matchTriggers, TRIGGER_PRIORITY } from '@flowbridge/flow-engine';
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
    const rows: ActiveRow[] = await this.db.query(
      `SELECT v.flow_id, v.number, v.triggers, v.channel_ids, f.activated_at
         FROM flow_definition.flows f
         JOIN flow_definition.flow_versions v ON v.flow_id = f.id AND v.number = f.active_version
        WHERE f.workspace_id = $1 AND f.deleted_at IS NULL
          AND (jsonb_array_length(v.channel_ids) = 0 OR v.channel_ids ? $2)`,
      [workspaceId, channelId.toLowerCase()],
    );
    let best: { row: ActiveRow; kind: TriggerKind } | null = null;
    for (const row of rows) {
      const kind = matchTriggers(row.triggers, message);
      if (kind === null) continue;
      const better =
        best === null ||
        TRIGGER_PRIORITY[kind] > TRIGGER_PRIORITY[best.kind] ||
        (TRIGGER_PRIORITY[kind] === TRIGGER_PRIORITY[best.kind] && row.activated_at > best.row.activated_at);
      if (better) best = { row, kind };
    }
    return {
      ok: true,
      match: best && { flowId: best.row.flow_id, version: best.row.number, trigger: best.kind },
    };
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
