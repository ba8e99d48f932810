import { hasErrors, type Problem } from '@flowbridge/flow-engine';
import type { FlowEntity } from './flow.entity';

export interface FlowView {
  id: string;
  name: string;
  channelIds: string[];
  /** The draft as saved: schemaVersion, name, triggers, startScreen, screens, variables, forms. */
  draft: Record<string, unknown>;
  problems: Problem[];
  /** The draft has no error-level problem and can be published. */
  publishable: boolean;
  activeVersion: number | null;
  latestVersion: number | null;
  createdAt: string;
  updatedAt: string;
}

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
  };
}
