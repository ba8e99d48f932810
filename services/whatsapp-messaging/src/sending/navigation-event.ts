import type { NavigationEventV1 } from '@flowbridge/contracts';
import { z } from 'zod';

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
    flowId: z.string().min(1),
    cta: z.string().min(1),
    flowToken: z.string().min(1),
    screen: z.string().optional(),
    data: z.record(z.string(), z.string()).optional(),
    ...headed,
  }),
]);

const navigationEvent = z.object({
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
});

/** A navigation job's data checked field by field; the first problem, with its path, when it is not one. */
export function readNavigationEvent(data: unknown): NavigationEventV1 | string {
  const result = navigationEvent.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return `${issue.path.join('.') || 'event'}: ${issue.message}`;
}
