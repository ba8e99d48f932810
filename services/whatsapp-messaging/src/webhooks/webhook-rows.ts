import {
  type InboundMessage,
  jobIdOf,
  type TriggerEventV1,
  type TriggerMessage,
  type WhatsappError,
} from '@flowbridge/contracts';
import type { ParsedInbound } from './envelope';
import type { InboundRow, StatusRow } from './inbound.repository';
import type { VerifiedWebhook } from './webhook-verifier';

const STATUS_RANK = { sent: 1, delivered: 2, read: 3, failed: 4 } as const;

/** What a batch of webhooks comes to as rows, and what in it needs telling. */
export interface WebhookRows {
  /** Each message with the webhook (by index) that carried it. */
  inbound: Array<{ write: number; row: InboundRow; parsed: ParsedInbound }>;
  statuses: StatusRow[];
  /** The statuses each webhook carried, by index. */
  statusCounts: number[];
  /** Errors Meta reported about a number (its channel keeps the last). */
  channelErrors: Array<{ channelId: string; error: WhatsappError }>;
  /** Numbers a webhook named that have no channel here. */
  strayNumbers: string[];
  /** Types this version does not know, by channel. */
  unknownTypes: Array<{ channelId: string; type: string }>;
}

/** The rows a batch of verified webhooks writes, in the order they came. */
export function webhookRows(webhooks: VerifiedWebhook[]): WebhookRows {
  const rows: WebhookRows = {
    inbound: [],
    statuses: [],
    statusCounts: webhooks.map(() => 0),
    channelErrors: [],
    strayNumbers: [],
    unknownTypes: [],
  };
  for (const [write, { changes, byNumber }] of webhooks.entries())
    for (const change of changes) {
      const channel = byNumber.get(change.phoneNumberId);
      if (!channel) {
        rows.strayNumbers.push(change.phoneNumberId);
        continue;
      }
      for (const type of change.unknown) rows.unknownTypes.push({ channelId: channel.id, type });
      for (const m of change.messages) {
        const row: InboundRow = {
          workspace_id: channel.workspaceId,
          channel_id: channel.id,
          wa_id: m.from,
          wa_message_id: m.waMessageId,
          type: m.inbound.type,
          content: { ...m.inbound, ...(m.profileName !== undefined ? { profileName: m.profileName } : {}) },
          occurred_at: m.timestamp.toISOString(),
          reply_to: m.replyTo ?? null,
        };
        rows.inbound.push({ write, row, parsed: m });
      }
      rows.statusCounts[write] += change.statuses.length;
      for (const s of change.statuses)
        rows.statuses.push({
          wa_message_id: s.waMessageId,
          channel_id: channel.id,
          status: s.status,
          rank: STATUS_RANK[s.status],
          status_at: s.timestamp.toISOString(),
          errors: s.errors.length > 0 ? s.errors : null,
          callback_data: s.callbackData ?? null,
        });
      const error = change.errors.at(-1);
      if (error) rows.channelErrors.push({ channelId: channel.id, error });
    }
  return rows;
}

/**
 * The trigger event of an inbound message row: built the same way at ingestion and when queued again. `message`
 * is what the flow sees of it (`triggerMessageOf(inbound)`; parsing already made it for a fresh webhook).
 */
export function triggerEventOf(
  row: Omit<InboundRow, 'type'>,
  inbound: InboundMessage,
  message: TriggerMessage,
  trace?: string,
): TriggerEventV1 {
  const profileName = row.content.profileName;
  return {
    version: 1,
    eventId: jobIdOf('wa', row.wa_message_id),
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    contact: { waId: row.wa_id, ...(profileName !== undefined ? { name: profileName } : {}) },
    occurredAt: row.occurred_at,
    ...(trace !== undefined ? { trace } : {}),
    source: {
      type: 'message',
      messageId: row.wa_message_id,
      message,
      inbound,
      ...(row.reply_to !== null ? { replyTo: row.reply_to } : {}),
    },
  };
}
