import type { NavigationEventV1 } from '@flowbridge/contracts';
import type { CloudMessage } from './cloud-payloads';

// The rows of the send queue as its statements (SendQueue) read and write them.

/** One contact of one channel: its messages go out one at a time, in order. */
export interface Recipient {
  workspaceId: string;
  channelId: string;
  waId: string;
}

/** The head of a contact's send queue, and whether the statement that read it claimed it (`sending`). */
export interface HeadRow {
  id: string;
  navigation_id: string;
  part: number;
  content: CloudMessage;
  send_state: 'queued' | 'sending';
  attempts: number;
  next_attempt_at: Date | null;
  sending_since: Date | null;
  /** The `traceparent` of the navigation that queued it, when tracing is on. */
  trace_parent: string | null;
  claimed: boolean;
}

/** A navigation's parts as rows to queue; `claim`: its first row may be claimed for sending as it is queued. */
export interface QueuedParts {
  navigation: NavigationEventV1;
  parts: CloudMessage[];
  claim: boolean;
}

/**
 * What queueing a navigation came to: `fresh` false when its rows were queued before (a redelivered navigation);
 * `head`, the first of them, claimed for sending, when the contact had nothing else queued or being sent.
 */
export interface Queued {
  fresh: boolean;
  head?: HeadRow;
}

/** The callback data a part is sent with; Meta echoes it in the part's status webhooks. */
export function callbackDataOf(navigationId: string, part: number): string {
  return `fb:${navigationId}:${part}`;
}
