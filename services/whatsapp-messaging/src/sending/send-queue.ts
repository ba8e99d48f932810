import type { NavigationEventV1 } from '@flowbridge/contracts';
import { GroupCommit, prepared, Tenancy } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { CloudMessage } from './cloud-payloads';
import type { SendError } from './graph-client';
import { callbackDataOf, type HeadRow, type Queued, type QueuedParts, type Recipient } from './send-rows';

/** Statements of one workspace written at once by each of the three shared writers below. */
const MAX_BATCH = 64;
/**
 * Batches of one writer and workspace in flight at once: one, so that what arrives meanwhile shares the next
 * statement (as the webhook and worker transactions do; docs/benchmarks.md, "One transaction in flight").
 */
const CONCURRENCY = 1;

/**
 * Every statement of the send queue: the outbound rows of the message log, one queue per contact, sent oldest
 * first. A message goes through two statements when its contact has nothing else queued — queued and claimed in
 * one, then marked sent — and three when it waits behind another row (queue, claim when it reaches the head, mark
 * sent). Each is shared by the contacts being sent to at once (one workspace per statement, as row-level security
 * wants): each caller waits for its own row's answer, and the statement's cost is split over everyone who queued
 * up while the previous one ran. Rare paths (a retry, a failure, a send in doubt) are one statement each.
 */
@Injectable()
export class SendQueue {
  private readonly queueing = new GroupCommit<QueuedParts, Queued>(
    (workspaceId, items) => this.inWorkspace(workspaceId, () => this.queueAll(items)),
    { maxBatch: MAX_BATCH, concurrency: CONCURRENCY, writer: 'send-queue' },
  );
  private readonly claiming = new GroupCommit<Recipient, HeadRow | undefined>(
    (workspaceId, items) => this.inWorkspace(workspaceId, () => this.claimHeads(items)),
    { maxBatch: MAX_BATCH, concurrency: CONCURRENCY, writer: 'send-claim' },
  );
  private readonly marking = new GroupCommit<{ id: string; waMessageId: string }, boolean>(
    (workspaceId, items) => this.inWorkspace(workspaceId, () => this.markAllSent(items)),
    { maxBatch: MAX_BATCH, concurrency: CONCURRENCY, writer: 'send-mark' },
  );

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Queues a navigation's parts. With `claim`, the first is claimed (`sending`) in the same statement when the
   * contact has no row queued or being sent: the caller sends it (`SendLane.drain` with it as the head) without
   * a statement to claim it. A navigation's rows are queued one job at a time per contact (its partition), so
   * no other statement queues rows of the contact meanwhile; a drain marking the contact's previous row sent
   * meanwhile leaves this row queued (the caller's drain then claims it, as before).
   */
  queue(navigation: NavigationEventV1, parts: CloudMessage[], claim: boolean): Promise<Queued> {
    if (parts.length === 0) return Promise.resolve({ fresh: true });
    return this.queueing.submit(navigation.workspaceId, { navigation, parts, claim });
  }

  /** The head of the contact's queue (none when it is empty); a fresh one (never tried) is claimed. */
  claimHead(recipient: Recipient): Promise<HeadRow | undefined> {
    return this.claiming.submit(recipient.workspaceId, recipient);
  }

  /** Marks the row sent; true when the contact has more rows queued behind it. */
  markSent(recipient: Recipient, id: string, waMessageId: string): Promise<boolean> {
    return this.marking.submit(recipient.workspaceId, { id, waMessageId });
  }

  /** A retry or a send in doubt, claimed only if nobody claimed it since it was read (false: taken). */
  async claimAgain(row: HeadRow): Promise<boolean> {
    const [, updated] = await this.db.query<[unknown[], number]>(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'sending', attempts = attempts + 1, sending_since = now(), next_attempt_at = NULL
        WHERE id = $1 AND attempts = $2`,
      [row.id, row.attempts],
    );
    return updated > 0;
  }

  /** A claimed row that never left (nothing to send it with): back to the queue as it was, not in doubt. */
  async release(id: string): Promise<void> {
    await this.db.query(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'queued', attempts = attempts - 1, sending_since = NULL WHERE id = $1`,
      [id],
    );
  }

  /** A retryable failure: the row stays at the head of the contact's queue until `due`. */
  async retryAt(id: string, due: Date, error: SendError): Promise<void> {
    await this.db.query(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'queued', next_attempt_at = $2, sending_since = NULL, error = $3 WHERE id = $1`,
      [id, due, JSON.stringify(error)],
    );
  }

  async markFailed(id: string, error: SendError): Promise<void> {
    await this.db.query(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'failed', sending_since = NULL, next_attempt_at = NULL, error = $2 WHERE id = $1`,
      [id, JSON.stringify(error)],
    );
  }

  /**
   * The message id Meta gave a part, found by the callback data its status webhook echoed: a status of the
   * channel that sent it (another channel's webhook cannot settle it).
   */
  async acceptedWith(channelId: string, callbackData: string): Promise<string | undefined> {
    const [status] = await this.db.query<Array<{ wa_message_id: string }>>(
      `SELECT wa_message_id FROM whatsapp_messaging.statuses WHERE callback_data = $1 AND channel_id = $2 LIMIT 1`,
      [callbackData, channelId],
    );
    return status?.wa_message_id;
  }

  /**
   * Contacts with rows due for more than 15 s: the process that would have sent them stopped (a send takes
   * milliseconds; a row waiting behind a retry or a send in doubt is due only at its retry time).
   */
  overdue(limit: number): Promise<Recipient[]> {
    // Across workspaces: the sweeper looks for lost work of every workspace.
    return Tenancy.acrossWorkspaces(() =>
      this.db.query<Recipient[]>(
        `SELECT DISTINCT workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId"
           FROM whatsapp_messaging.messages
          WHERE send_state IN ('queued', 'sending')
            AND coalesce(next_attempt_at, sending_since, created_at) < now() - interval '15 seconds'
          LIMIT $1`,
        [limit],
      ),
    );
  }

  private inWorkspace<T>(workspaceId: string, work: () => Promise<T>): Promise<T> {
    return Tenancy.forWorkspace(workspaceId, work);
  }

  private async queueAll(items: QueuedParts[]): Promise<Queued[]> {
    // In the order submitted: a contact's rows get ids (its send order) in the order their navigations came.
    const contacts = new Set<string>();
    const rows = items.flatMap(({ navigation, parts, claim }) =>
      parts.map((payload, part) => {
        const contact = `${navigation.channelId}\u0000${navigation.contact.waId}`;
        // Only a contact's first row of the statement may be claimed: the rows after it wait behind it.
        const head = claim && part === 0 && !contacts.has(contact);
        contacts.add(contact);
        return {
          ord: 0,
          head,
          workspace_id: navigation.workspaceId,
          channel_id: navigation.channelId,
          wa_id: navigation.contact.waId,
          occurred_at: navigation.emittedAt,
          navigation_id: navigation.navigationId,
          part,
          type: payload.type,
          content: { ...payload, biz_opaque_callback_data: callbackDataOf(navigation.navigationId, part) },
          trace_parent: navigation.trace ?? null,
        };
      }),
    );
    rows.forEach((row, i) => (row.ord = i));
    const inserted = await this.db.query<
      Array<{ id: string; navigation_id: string; part: number; claimed: boolean; sending_since: Date | null }>
    >(
      prepared(`INSERT INTO whatsapp_messaging.messages
              (workspace_id, channel_id, wa_id, occurred_at, direction, send_state, attempts, sending_since,
               navigation_id, part, type, content, trace_parent)
       SELECT r.workspace_id, r.channel_id, r.wa_id, r.occurred_at, 'out',
              CASE WHEN c.claim THEN 'sending' ELSE 'queued' END, CASE WHEN c.claim THEN 1 ELSE 0 END,
              CASE WHEN c.claim THEN now() END, r.navigation_id, r.part, r.type, r.content, r.trace_parent
         FROM jsonb_to_recordset($1::jsonb)
              AS r(ord int, head boolean, workspace_id text, channel_id uuid, wa_id text, occurred_at timestamptz,
                   navigation_id text, part smallint, type text, content jsonb, trace_parent text)
        CROSS JOIN LATERAL (
          SELECT r.head AND NOT EXISTS (
                   SELECT 1 FROM whatsapp_messaging.messages q
                    WHERE q.channel_id = r.channel_id AND q.wa_id = r.wa_id AND q.send_state IN ('queued', 'sending'))
                 AS claim) c
        ORDER BY r.ord
       ON CONFLICT (navigation_id, part) DO NOTHING
       RETURNING id, navigation_id, part, send_state = 'sending' AS claimed, sending_since`),
      [JSON.stringify(rows)],
    );
    const fresh = new Set(inserted.map((r) => r.navigation_id));
    const claimed = new Map(inserted.filter((r) => r.claimed).map((r) => [r.navigation_id, r]));
    // The rows that could be claimed (a contact's first), by navigation: what the claimed head carries.
    const candidates = new Map(rows.filter((r) => r.head).map((r) => [r.navigation_id, r]));
    return items.map(({ navigation }) => {
      const head = claimed.get(navigation.navigationId);
      const row = candidates.get(navigation.navigationId);
      return {
        fresh: fresh.has(navigation.navigationId),
        head:
          head && row
            ? {
                id: String(head.id),
                navigation_id: head.navigation_id,
                part: head.part,
                content: row.content,
                send_state: 'sending',
                attempts: 1,
                next_attempt_at: null,
                sending_since: head.sending_since,
                trace_parent: row.trace_parent,
                claimed: true,
              }
            : undefined,
      };
    });
  }

  private async claimHeads(recipients: Recipient[]): Promise<Array<HeadRow | undefined>> {
    const key = (channelId: string, waId: string) => `${channelId}\u0000${waId}`;
    const distinct = [...new Map(recipients.map((r) => [key(r.channelId, r.waId), r])).values()];
    const heads = await this.db.query<Array<HeadRow & { channel_id: string; wa_id: string }>>(
      prepared(`WITH wanted AS (
         SELECT * FROM unnest($1::uuid[], $2::text[]) AS w(channel_id, wa_id)),
       head AS (
         SELECT h.* FROM wanted w CROSS JOIN LATERAL (
           SELECT id, channel_id, wa_id, navigation_id, part, content, send_state, attempts, next_attempt_at,
                  sending_since, trace_parent
             FROM whatsapp_messaging.messages
            WHERE channel_id = w.channel_id AND wa_id = w.wa_id AND send_state IN ('queued', 'sending')
            ORDER BY id LIMIT 1) h),
       claimed AS (
         UPDATE whatsapp_messaging.messages m
            SET send_state = 'sending', attempts = 1, sending_since = now()
           FROM head
          WHERE m.id = head.id AND m.send_state = 'queued' AND m.attempts = 0
         RETURNING m.id)
       SELECT head.*, claimed.id IS NOT NULL AS claimed FROM head LEFT JOIN claimed ON claimed.id = head.id`),
      [distinct.map((r) => r.channelId), distinct.map((r) => r.waId)],
    );
    const byContact = new Map(heads.map(({ channel_id, wa_id, ...head }) => [key(channel_id, wa_id), head]));
    // Two drains of one contact in one batch: the first is given the claim, the second finds the head taken.
    const given = new Set<string>();
    return recipients.map((r) => {
      const k = key(r.channelId, r.waId);
      const head = byContact.get(k);
      if (!head) return undefined;
      if (given.has(k)) return { ...head, claimed: false };
      given.add(k);
      return head;
    });
  }

  /**
   * Commits without waiting for the disk: a mark a Postgres crash loses leaves the row `sending`, in doubt as after
   * a process crash, and its status webhook (durable) settles it. Any later durable commit flushes the mark too.
   */
  private async markAllSent(items: Array<{ id: string; waMessageId: string }>): Promise<boolean[]> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [rows] = await this.db.query<[Array<{ id: string; more: boolean }>, number]>(
      prepared(`WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
       UPDATE whatsapp_messaging.messages m
          SET send_state = 'sent', wa_message_id = s.wa_message_id, sent_at = now(), sending_since = NULL,
              error = NULL
         FROM unnest($1::bigint[], $2::text[]) AS s(id, wa_message_id), relaxed
        WHERE m.id = s.id
        RETURNING m.id, EXISTS (
          SELECT 1 FROM whatsapp_messaging.messages q
           WHERE q.channel_id = m.channel_id AND q.wa_id = m.wa_id AND q.send_state IN ('queued', 'sending')
             AND q.id <> m.id) AS more`),
      [items.map((i) => i.id), items.map((i) => i.waMessageId)],
    );
    const more = new Map(rows.map((r) => [String(r.id), r.more]));
    // A row no longer there (deleted with its channel) has nothing behind it worth a look: say "more" and let
    // the drain read the queue again, as before.
    return items.map((i) => more.get(i.id) ?? true);
  }
}
