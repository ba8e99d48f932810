// Jobs on the `flow-navigation` queue: what the worker emits when a run enters a screen. Validated on receipt
// by the messaging service.
import { z } from 'zod';
import { firstProblem, traceparent, type TriggerContact } from './triggers';

export interface RenderedOption {
  id: string;
  title: string;
  description?: string;
}

/** A message ready for any channel (WhatsApp's shapes are made from it by the messaging service): templates rendered, fields within WhatsApp's limits. */
export type OutboundMessage =
  | { type: 'text'; text: string; previewUrl?: boolean }
  | { type: 'buttons'; text: string; header?: string; footer?: string; buttons: RenderedOption[] }
  | {
      type: 'list';
      text: string;
      button: string;
      header?: string;
      footer?: string;
      sections: Array<{ title?: string; rows: RenderedOption[] }>;
    }
  | {
      type: 'media';
      mediaType: 'image' | 'document' | 'video' | 'audio';
      url: string;
      caption?: string;
      filename?: string;
    }
  | {
      type: 'flow';
      text: string;
      /** A Flow made elsewhere, by its Meta id. */
      flowId?: string;
      /**
       * One of the run's flow's forms, by its id in the document: the messaging service sends the Flow it
       * published for the version and the channel's business account, with a signed flow token.
       */
      form?: string;
      cta: string;
      /** Identifies this run and send in the Flow's reply: the navigation id (`<runId>:<seq>`). */
      flowToken: string;
      screen?: string;
      data?: Record<string, string>;
      header?: string;
      footer?: string;
    };

/**
 * `<runId>:<seq>`: the deterministic id of the seq-th send or API call of a run. It is the navigation id,
 * the step's Idempotency-Key and a Flow message's token, so a replayed step produces the same ids.
 */
export function runSequenceId(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

export const NavigationJobName = {
  Navigation: 'navigation.v1',
} as const;
export type NavigationJobName = (typeof NavigationJobName)[keyof typeof NavigationJobName];

export interface NavigationEventV1 {
  version: 1;
  /** `<runId>:<seq>`: the same navigation always has this id, so a redelivery is recognised. */
  navigationId: string;
  workspaceId: string;
  channelId: string;
  contact: TriggerContact;
  runId: string;
  flowId: string;
  flowVersion: number;
  screenId: string;
  seq: number;
  messages: OutboundMessage[];
  emittedAt: string;
  /** The W3C `traceparent` of the step that entered the screen, when tracing is on. */
  trace?: string;
}

const option = z.object({ id: z.string().min(1), title: z.string(), description: z.string().optional() });
const headed = { header: z.string().optional(), footer: z.string().optional() };

const message = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string(), previewUrl: z.boolean().optional() }),
  z.object({ type: z.literal('buttons'), text: z.string(), ...headed, buttons: z.array(option).min(1) }),
  z.object({
    type: z.literal('list'),
    text: z.string(),
    button: z.string().min(1),
    ...headed,
    sections: z.array(z.object({ title: z.string().optional(), rows: z.array(option).min(1) })).min(1),
  }),
  z.object({
    type: z.literal('media'),
    mediaType: z.enum(['image', 'document', 'video', 'audio']),
    url: z.string().min(1),
    caption: z.string().optional(),
    filename: z.string().optional(),
  }),
  z.object({
    type: z.literal('flow'),
    text: z.string(),
    flowId: z.string().min(1).optional(),
    form: z.string().min(1).optional(),
    cta: z.string().min(1),
    flowToken: z.string().min(1),
    screen: z.string().optional(),
    data: z.record(z.string(), z.string()).optional(),
    ...headed,
  }),
]);

export const navigationEventSchema = z.object({
  version: z.literal(1),
  navigationId: z.string().min(1).max(200),
  workspaceId: z.string().min(1),
  // Any UUID version: the column is a uuid, so nothing else could be queued.
  channelId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
  contact: z.object({ waId: z.string().regex(/^\d{6,15}$/), name: z.string().optional() }),
  runId: z.string().min(1),
  flowId: z.string().min(1),
  flowVersion: z.number().int(),
  screenId: z.string(),
  seq: z.number().int().nonnegative(),
  messages: z.array(message).max(50),
  emittedAt: z.iso.datetime({ offset: true }),
  trace: traceparent,
});

/** A navigation job's data checked field by field; the first problem, with its path, when it is not one. */
export function readNavigationEvent(data: unknown): NavigationEventV1 | string {
  const result = navigationEventSchema.safeParse(data);
  return result.success ? result.data : firstProblem(result)!;
}
