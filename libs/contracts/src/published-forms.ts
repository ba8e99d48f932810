// Publishing a flow version's WhatsApp forms: flow-definition asks the messaging service (RPC), which makes each
// form a Flow on the Cloud API for each of the flow's channels and keeps the Flow ids it sends them by.
import { z } from 'zod';
import type { JsonValue } from './connections';

export interface PublishFormsRequest {
  /**
   * Unique per publish attempt. Every messaging replica hears an RPC: the one that claims the attempt
   * publishes, the others answer with its result, so each form becomes one Flow however many replicas run.
   */
  attempt: string;
  workspaceId: string;
  flowId: string;
  version: number;
  /** The flow's channels; empty: every channel of the workspace. */
  channelIds: string[];
  forms: Array<{ id: string; name: string; categories: string[]; flowJson: Record<string, JsonValue> }>;
}

/** One objection to a form: Meta's `validation_errors`, or why it could not be published on a channel. */
export interface FormPublishProblem {
  formId: string;
  channelId?: string;
  message: string;
  /** Where in the Flow JSON, when Meta says. */
  paths?: string[];
}

export type PublishFormsResponse =
  | { ok: true; published: Array<{ formId: string; channelId: string; metaFlowId: string }> }
  | {
      ok: false;
      code: 'INVALID_REQUEST' | 'FORMS_REFUSED' | 'CLOUD_API_UNAVAILABLE' | 'NO_CHANNEL' | 'NO_PUBLIC_URL';
      message: string;
      problems: FormPublishProblem[];
    };

const nonEmpty = z.string().min(1).max(200);

export const publishFormsRequestSchema = z.object({
  attempt: z.uuid(),
  workspaceId: nonEmpty,
  flowId: z.uuid(),
  version: z.number().int().positive(),
  channelIds: z.array(z.uuid()).max(1000),
  forms: z
    .array(
      z.object({
        id: nonEmpty,
        name: nonEmpty,
        categories: z.array(nonEmpty).min(1).max(10),
        flowJson: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1)
    .max(10),
});
