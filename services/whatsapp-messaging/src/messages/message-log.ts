import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * received: inbound. Outbound: queued (waiting to be sent, or for a retry), accepted (the Cloud API took it),
 * then Meta's sent, delivered, read; failed when the send was refused or Meta reported it failed.
 */
export const MESSAGE_STATUSES = [
  'received',
  'queued',
  'accepted',
  'sent',
  'delivered',
  'read',
  'failed',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface MessageLogFilter {
  contact?: string;
  direction?: 'in' | 'out';
  status?: MessageStatus;
  limit: number;
}

export interface MessageLogEntry {
  id: string;
  channelId: string;
  direction: 'in' | 'out';
  contact: string;
  waMessageId: string | null;
  type: string;
  content: unknown;
  occurredAt: Date;
  status: MessageStatus;
  statusAt: Date | null;
  errors: unknown;
  attempts: number;
}

/** The conversation log as the admin reads it: each outbound message with its furthest delivery status. */
@Injectable()
export class MessageLog {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A workspace's messages, newest first. */
  list(workspaceId: string, filter: MessageLogFilter): Promise<MessageLogEntry[]> {
    return this.db.query<MessageLogEntry[]>(
      `SELECT * FROM (
         SELECT m.id, m.channel_id AS "channelId", m.direction, m.wa_id AS contact,
                m.wa_message_id AS "waMessageId", m.type, m.content, m.occurred_at AS "occurredAt",
                CASE WHEN m.direction = 'in' THEN 'received'
                     WHEN m.send_state IN ('queued', 'sending') THEN 'queued'
                     WHEN m.send_state = 'failed' THEN 'failed'
                     ELSE coalesce(s.status, 'accepted') END AS status,
                s.status_at AS "statusAt",
                CASE WHEN m.send_state = 'failed' THEN jsonb_build_array(m.error) ELSE s.errors END AS errors,
                m.attempts
           FROM whatsapp_messaging.messages m
           LEFT JOIN whatsapp_messaging.statuses s ON m.direction = 'out' AND s.wa_message_id = m.wa_message_id
                                                   AND s.channel_id = m.channel_id
          WHERE m.workspace_id = $1 AND ($2::text IS NULL OR m.wa_id = $2) AND ($3::text IS NULL OR m.direction = $3)
       ) log
       WHERE $4::text IS NULL OR log.status = $4
       ORDER BY log.id DESC LIMIT $5`,
      [workspaceId, filter.contact ?? null, filter.direction ?? null, filter.status ?? null, filter.limit],
    );
  }
}
