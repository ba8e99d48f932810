import type { ApiResponse, JsonValue, OutboundMessage, TriggerMessage } from '@flowbridge/contracts';

export type { OutboundMessage, RenderedOption } from '@flowbridge/contracts';

export type RunStatus = 'active' | 'waiting_input' | 'completed' | 'failed' | 'expired';
export const FINISHED_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'expired']);

/** Everything the stepper needs to continue a run: plain JSON, stored by the worker between events. */
export interface RunState {
  runId: string;
  status: RunStatus;
  /** The screen the run is on; null before the start event. */
  screenId: string | null;
  /** The next action of the current screen to run when the run resumes. */
  actionIndex: number;
  variables: Record<string, JsonValue>;
  /** Numbers every send and API call of the run: navigation ids and Idempotency-Keys are built from it. */
  seq: number;
  /** The API call the run waits for, if any. */
  pendingApi: { apiId: string; key: string } | null;
  /** Why a run ended, e.g. LOOP_LIMIT or TEMPLATE_ERROR; null while it runs or when it ended normally. */
  endReason: string | null;
}

/** A reply from the contact, channel-neutral (the contract's message shape). */
export type Reply = TriggerMessage;

export type RunEvent =
  | { type: 'start'; variables?: Record<string, JsonValue> }
  | { type: 'reply'; reply: Reply }
  | {
      type: 'api_result';
      key: string;
      response: ApiResponse;
      /** The API's response mapping applied to the response. */
      mapped?: Record<string, JsonValue>;
    }
  | { type: 'expire' };

export type Effect =
  /** Send these messages (a navigation event); `seq` makes its id deterministic: `<runId>:<seq>`. */
  | { type: 'send'; screenId: string; seq: number; messages: OutboundMessage[] }
  /** Call the API with this Idempotency-Key, then step again with its `api_result`. */
  | { type: 'call_api'; apiId: string; key: string; screenId: string }
  | { type: 'wait_input'; screenId: string }
  | { type: 'end'; status: 'completed' | 'failed' | 'expired'; reason: string | null };

export interface StepResult {
  state: RunState;
  effects: Effect[];
  /** Automatic steps taken for this event (screens entered plus actions run). */
  steps: number;
  /** The screens entered for this event, in order (a screen entered twice appears twice). */
  entered: string[];
  /** Set when the event did not apply to the run (e.g. a reply while an API call is pending). */
  ignored?: 'not_waiting_for_reply' | 'stale_api_result' | 'finished' | 'already_started';
}
