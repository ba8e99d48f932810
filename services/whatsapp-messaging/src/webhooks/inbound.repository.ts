import type { InboundMessage } from '@flowbridge/contracts';
import { prepared } from '@flowbridge/platform';
import type { EntityManager } from 'typeorm';

/** An inbound message row as written (jsonb_to_recordset's columns). */
export interface InboundRow {
  workspace_id: string;
  channel_id: string;
  wa_id: string;
  wa_message_id: string;
  type: string;
  content: InboundMessage & { profileName?: string };
  occurred_at: string;
  reply_to: string | null;
}

/** A delivery status row as written; `rank` orders sent < delivered < read < failed. */
export interface StatusRow {
  wa_message_id: string;
  channel_id: string;
  status: string;
  rank: number;
  status_at: string;
  errors: unknown[] | null;
  callback_data: string | null;
}

/** An inbound message as read back to queue its trigger event again. */
export type ReceivedRow = Omit<InboundRow, 'type' | 'occurred_at'> & { occurred_at: Date };

/** Every statement of webhook ingestion: the inbound messages, their delivery statuses, a channel's last error. */
export const InboundRepository = {
  /**
   * One statement for a whole batch: inserts the messages not recorded before (Meta redelivers) and keeps each
   * message's furthest status (a late `delivered` never overwrites `read`). A single statement commits as a
   * whole, so no transaction is opened around it. Returns the WhatsApp ids of the messages that were new.
   */
  async record(db: EntityManager, messages: InboundRow[], statuses: StatusRow[]): Promise<Set<string>> {
    if (messages.length === 0 && statuses.length === 0) return new Set();
    const inserted = await db.query<Array<{ wa_message_id: string }>>(
      prepared(`WITH inbound AS (
         INSERT INTO whatsapp_messaging.messages
                (workspace_id, channel_id, direction, wa_id, wa_message_id, type, content, occurred_at, reply_to)
         SELECT r.workspace_id, r.channel_id, 'in', r.wa_id, r.wa_message_id, r.type, r.content, r.occurred_at,
                r.reply_to
           FROM jsonb_to_recordset($1::jsonb) AS r(workspace_id text, channel_id uuid, wa_id text,
                wa_message_id text, type text, content jsonb, occurred_at timestamptz, reply_to text)
         ON CONFLICT (direction, wa_message_id) DO NOTHING
         RETURNING wa_message_id),
       status AS (
         INSERT INTO whatsapp_messaging.statuses
                (wa_message_id, channel_id, status, rank, status_at, errors, callback_data)
         SELECT DISTINCT ON (r.wa_message_id) r.wa_message_id, r.channel_id, r.status, r.rank, r.status_at, r.errors,
                r.callback_data
           FROM jsonb_to_recordset($2::jsonb) AS r(wa_message_id text, channel_id uuid, status text, rank smallint,
                status_at timestamptz, errors jsonb, callback_data text)
          ORDER BY r.wa_message_id, r.rank DESC
         ON CONFLICT (wa_message_id) DO UPDATE
            SET status = excluded.status, rank = excluded.rank, status_at = excluded.status_at, errors = excluded.errors,
                callback_data = coalesce(statuses.callback_data, excluded.callback_data)
          WHERE statuses.rank < excluded.rank AND statuses.channel_id = excluded.channel_id)
       SELECT wa_message_id FROM inbound`),
      [JSON.stringify(messages), JSON.stringify(statuses)],
    );
    return new Set(inserted.map((row) => row.wa_message_id));
  },

  async noteChannelError(tx: EntityManager, channelId: string, error: object): Promise<void> {
    await tx.query(`UPDATE whatsapp_messaging.channels SET last_error = $2 WHERE id = $1`, [
      channelId,
      JSON.stringify(error),
    ]);
  },

  /** The inbound messages recorded since `since`, oldest first. */
  receivedSince(tx: EntityManager, since: Date): Promise<ReceivedRow[]> {
    return tx.query<ReceivedRow[]>(
      `SELECT workspace_id, channel_id, wa_id, wa_message_id, content, occurred_at, reply_to
         FROM whatsapp_messaging.messages WHERE direction = 'in' AND created_at >= $1 ORDER BY id`,
      [since.toISOString()],
    );
  },
};
