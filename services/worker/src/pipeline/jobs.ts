import type { ApiResponse, JsonValue, TriggerEventV1 } from '@flowbridge/contracts';

/** Where a contact's events queue up: one WhatsApp number talking to one channel of a workspace. */
export interface ContactKey {
  workspaceId: string;
  channelId: string;
  waId: string;
}

/** One attempt of a `data_exchange` step, on the worker's own `flow-api-calls` queue. */
export interface ApiCallJob {
  version: 1;
  contact: ContactKey;
  runId: string;
  apiId: string;
  /** The step's Idempotency-Key, the same on every attempt. */
  key: string;
  attempt: number;
  countedAttempts: number;
  /** Epoch ms of the step's first attempt: the deadline runs from it. */
  startedAt: number;
  /**
   * 1 when this attempt was first run in-process and that process died during it (its lease ran out): with
   * BullMQ's own stalls, a step whose processes died twice is abandoned.
   */
  interrupted?: number;
}

export const ApiCallJobName = 'api-call.v1';

/** An inbox entry: a trigger event from outside, or the final result of an API step. */
export type InboxEvent =
  | { kind: 'trigger'; event: TriggerEventV1 }
  | {
      kind: 'api_result';
      runId: string;
      key: string;
      response: ApiResponse;
      mapped: Record<string, JsonValue>;
    }
  /** The run has had no event for RUN_IDLE_TIMEOUT_MS. */
  | { kind: 'expire'; runId: string };

const WA_ID = /^\d{6,15}$/;

/** A trigger event as received, checked field by field; the reason when it is not one. */
export function readTriggerEvent(data: unknown): TriggerEventV1 | string {
  if (data === null || typeof data !== 'object') return 'not an object';
  const e = data as Record<string, unknown>;
  if (e.version !== 1) return `unsupported version ${JSON.stringify(e.version)}`;
  for (const field of ['eventId', 'workspaceId', 'channelId', 'occurredAt'] as const) {
    const value = e[field];
    if (typeof value !== 'string' || value.length === 0) return `${field} is missing`;
  }
  if (Number.isNaN(Date.parse(e.occurredAt as string))) return 'occurredAt is not a date';
  const contact = e.contact as Record<string, unknown> | undefined;
  if (!contact || typeof contact.waId !== 'string' || !WA_ID.test(contact.waId))
    return 'contact.waId is invalid';
  const source = e.source as Record<string, unknown> | undefined;
  if (source?.type === 'api') {
    if (typeof source.flowId !== 'string' || !Number.isInteger(source.flowVersion))
      return 'source.flowId/flowVersion missing';
    if (!isObject(source.variables)) return 'source.variables must be an object';
    return data as TriggerEventV1;
  }
  if (source?.type === 'message') {
    if (typeof source.messageId !== 'string') return 'source.messageId is missing';
    const m = source.message as Record<string, unknown> | undefined;
    const fits =
      (m?.kind === 'text' && typeof m.text === 'string') ||
      (m?.kind === 'choice' && typeof m.id === 'string') ||
      (m?.kind === 'flow' && isObject(m.data)) ||
      (m?.kind === 'other' && typeof m.type === 'string');
    return fits ? (data as TriggerEventV1) : 'source.message is not a message';
  }
  return 'source.type is not supported';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
