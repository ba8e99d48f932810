import { hasErrors } from '@flowbridge/flow-engine';
import type { FlowView } from './flow-responses';
import type { FlowEntity } from './flow.entity';

export function flowView(entity: FlowEntity): FlowView {
  return {
    id: entity.id,
    name: entity.name,
    channelIds: entity.channelIds,
    draft: entity.document,
    problems: entity.problems,
    publishable: !hasErrors(entity.problems),
    activeVersion: entity.activeVersion,
    latestVersion: entity.latestVersion || null,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    revision: entity.version,
  };
}
