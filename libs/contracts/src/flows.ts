// What the flow-definition service answers over RPC, and its cache hints.
import type { JsonValue } from './connections';

export interface FlowVersionRequest {
  workspaceId: string;
  flowId: string;
  version: number;
}

/** An immutable published version: callers may cache it forever. */
export interface FlowVersionDocument {
  flowId: string;
  workspaceId: string;
  version: number;
  /** The flow document (flow engine schema), already upgraded to `schemaVersion`. */
  document: { schemaVersion: number } & Record<string, JsonValue>;
  channelIds: string[];
  publishedAt: string;
}

export type FlowVersionResponse =
  | { ok: true; version: FlowVersionDocument }
  | { ok: false; code: 'INVALID_REQUEST' | 'VERSION_NOT_FOUND'; message: string };

/** A contact's message, channel-neutral: what trigger matching and a waiting screen read. */
export type TriggerMessage =
  | { kind: 'text'; text: string }
  /** A reply button, list row or template quick-reply: its id / payload. */
  | { kind: 'choice'; id: string; title?: string }
  /** A WhatsApp Flow's response (`nfm_reply`). */
  | { kind: 'flow'; data: Record<string, JsonValue> }
  /** Anything else (media, location, a reaction…): it starts "any message" flows and fits no typed input. */
  | { kind: 'other'; type: string };

export interface MatchTriggerRequest {
  workspaceId: string;
  channelId: string;
  message: TriggerMessage;
}

export type TriggerKind = 'button' | 'keyword_exact' | 'keyword_contains' | 'keyword_regex' | 'any_message';

export type MatchTriggerResponse =
  | { ok: true; match: { flowId: string; version: number; trigger: TriggerKind } | null }
  | { ok: false; code: 'INVALID_REQUEST'; message: string };

export interface ActiveTriggersRequest {
  workspaceId: string;
  channelId: string;
}

/** One active flow version that a channel's messages may start. `triggers` as the flow document has them. */
export interface ActiveFlowTriggers {
  flowId: string;
  version: number;
  triggers: unknown[];
  activatedAt: string;
}

export type ActiveTriggersResponse =
  { ok: true; flows: ActiveFlowTriggers[] } | { ok: false; code: 'INVALID_REQUEST'; message: string };

/**
 * The Redis key whose value changes whenever a workspace's active flows do (publish, activate, deactivate,
 * delete). Flow-definition increments it before it answers the admin; a worker's cached triggers are good
 * while the value it read them under still holds, so a message that arrives after the answer sees the change.
 */
export function flowsGenerationKey(queuePrefix: string, workspaceId: string): string {
  return `${queuePrefix}:flowbridge:flows-generation:${workspaceId}`;
}

/**
 * The Redis key whose value changes whenever a channel is created, changed or deleted (any workspace). The
 * messaging service moves it on before it answers the admin; every replica's cached channels (the sender's
 * opened tokens) are good while the value they were read under still holds.
 */
export function channelsGenerationKey(queuePrefix: string): string {
  return `${queuePrefix}:flowbridge:channels-generation`;
}

export interface FlowPublishedEvent {
  workspaceId: string;
  flowId: string;
  /** The active version after the change, or null when the flow was deactivated. */
  activeVersion: number | null;
  change: 'published' | 'activated' | 'deactivated' | 'deleted';
  at: string;
}

/**
 * Path segments never read, wherever a variable path is accepted (a response mapping, a template) or followed
 * (the engine's lookups).
 */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set([
  '__proto__',
  'prototype',
  'constructor',
]);
