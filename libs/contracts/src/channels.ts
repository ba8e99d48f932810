// A workspace's WhatsApp channels, as the messaging service (which owns them) tells another service: the API
// trigger names a channel, and flow-definition checks the workspace has it before accepting the run.
import { z } from 'zod';

export interface ChannelsRequest {
  workspaceId: string;
}

export type ChannelsResponse =
  { ok: true; channelIds: string[] } | { ok: false; code: 'INVALID_REQUEST'; message: string };

const channelsRequestSchema = z.object({ workspaceId: z.string().min(1).max(200) });

const channelsResponseSchema = z.union([
  z.object({ ok: z.literal(true), channelIds: z.array(z.string()).max(100_000) }),
  z.object({ ok: z.literal(false), code: z.literal('INVALID_REQUEST'), message: z.string() }),
]);

/** The request, or why it is not one. */
export function readChannelsRequest(data: unknown): ChannelsRequest | string {
  const parsed = channelsRequestSchema.safeParse(data);
  return parsed.success ? parsed.data : (parsed.error.issues[0]?.message ?? 'invalid request');
}

/** The answer, or null when it is not one. */
export function readChannelsResponse(data: unknown): ChannelsResponse | null {
  const parsed = channelsResponseSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}
