// Jobs on the `flow-triggers` queue: what starts or advances a run. Validated on receipt by the worker.
import { z } from 'zod';
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
  /** The W3C `traceparent` of the span that made the event, when tracing is on (the step's trace). */
  trace?: string;
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

const jsonObject = z.record(z.string(), z.unknown());
const nonEmpty = z.string().min(1);

/**
 * A W3C `traceparent` carried by a job (its step's trace). One that does not parse is dropped, never refused: a
 * trace is not worth an event.
 */
export const traceparent = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
  .optional()
  .catch(undefined);

/** What the contact sent, as the trigger matcher reads it. */
const triggerMessage = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('text'), text: z.string() }),
  z.looseObject({ kind: z.literal('choice'), id: z.string(), title: z.string().optional() }),
  z.looseObject({ kind: z.literal('flow'), data: jsonObject }),
  z.looseObject({ kind: z.literal('other'), type: z.string() }),
]);

/**
 * A trigger event as the worker accepts it. Loose objects: fields added by a newer producer (and the typed
 * `inbound` message, which the flow engine reads itself) pass through untouched.
 */
export const triggerEventSchema = z.looseObject({
  version: z.literal(1),
  eventId: nonEmpty,
  workspaceId: nonEmpty,
  channelId: nonEmpty,
  occurredAt: nonEmpty.refine((at) => !Number.isNaN(Date.parse(at)), 'is not a date'),
  trace: traceparent,
  contact: z.looseObject({
    waId: z.string().regex(/^\d{6,15}$/, 'is not a WhatsApp id'),
    name: z.string().optional(),
  }),
  source: z.discriminatedUnion('type', [
    z.looseObject({
      type: z.literal('api'),
      flowId: nonEmpty,
      flowVersion: z.number().int(),
      variables: jsonObject,
    }),
    z.looseObject({
      type: z.literal('message'),
      messageId: nonEmpty,
      message: triggerMessage,
      replyTo: z.string().optional(),
    }),
  ]),
});

/** A trigger job's data checked field by field; the first problem, with its path, when it is not one. */
export function readTriggerEvent(data: unknown): TriggerEventV1 | string {
  return firstProblem(triggerEventSchema.safeParse(data)) ?? (data as TriggerEventV1);
}

/** A zod result's first issue as `path: message`, or undefined when it passed. */
export function firstProblem(result: z.ZodSafeParseResult<unknown>): string | undefined {
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return `${issue.path.join('.') || 'event'}: ${issue.message}`;
}
