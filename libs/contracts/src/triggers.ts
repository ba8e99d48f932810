// Jobs on the `flow-triggers` queue: what starts or advances a run. Validated on receipt by the worker.
import type { JsonValue } from './connections';
import type { TriggerMessage } from './flows';
import type { InboundMessage } from './whatsapp';

export const TriggerJobName = {
  TriggerEvent: 'trigger-event.v1',
} as const;
export type TriggerJobName = (typeof TriggerJobName)[keyof typeof TriggerJobName];

export interface TriggerContact {
  /** The contact's WhatsApp id (phone number in international format, digits only). */
  waId: string;
  name?: string;
}

export interface TriggerEventV1 {
  version: 1;
  /** Unique per event; also the BullMQ job id, so an event enqueued twice runs once. */
  eventId: string;
  workspaceId: string;
  channelId: string;
  contact: TriggerContact;
  occurredAt: string;
  source:
    | /** A business system started a flow through `POST /flows/:id/runs`. */
      {
        type: 'api';
        flowId: string;
        flowVersion: number;
        variables: Record<string, JsonValue>;
      } /** The contact wrote (the messaging service, from a webhook). `messageId` is WhatsApp's. */
    | {
        type: 'message';
        messageId: string;
        message: TriggerMessage;
        /** What the contact sent, typed (the messaging service's parse of the webhook). */
        inbound?: InboundMessage;
        /** The message this one replies to (WhatsApp's `context.id`), if any. */
        replyTo?: string;
      };
}
