// Jobs on the `flow-navigation` queue: what the worker emits when a run enters a screen.
import type { TriggerContact } from './triggers';

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
      flowId: string;
      cta: string;
      /** Identifies this run and send in the Flow's reply. */
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
}
