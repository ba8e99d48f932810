import type { ApiResponse, JsonValue, TriggerEventV1 } from '@flowbridge/contracts';

/** Where a contact's events queue up: one WhatsApp number talking to one channel of a workspace. */
export interface ContactKey {
  workspaceId: string;
  channelId: string;
  waId: string;
}

/** An inbox entry: a trigger event from outside, or the final result of an API step. */
export type InboxEvent =
  | { kind: 'trigger'; event: TriggerEventV1 }
  | {
      kind: 'api_result';
      runId: string;
      key: string;
      response: ApiResponse;
      mapped: Record<string, JsonValue>;
      /** The `traceparent` of the attempt that answered, when tracing is on. */
      trace?: string;
    }
  /** The run has had no event for RUN_IDLE_TIMEOUT_MS. */
  | { kind: 'expire'; runId: string };
