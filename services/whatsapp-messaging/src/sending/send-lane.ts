import type { NavigationEventV1 } from '@flowbridge/contracts';
import { metricOnce, Tenancy, valuesList } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { type CloudMessage, toCloudMessages } from './cloud-payloads';
import { GraphClient, type SendError } from './graph-client';
import { SendRateLimiter } from './rate-limiter';

const sends = metricOnce(
  'flowbridge_messages_sent_total',
  () =>
    new Counter({
      name: 'flowbridge_messages_sent_total',
      help: 'Cloud API sends by outcome (sent, retry, failed, recovered: a send in doubt found by its status)',
      labelNames: ['outcome'],
    }),
);
const sendDuration = metricOnce(
  'flowbridge_send_duration_seconds',
  () =>
    new Histogram({
      name: 'flowbridge_send_duration_seconds',
      help: 'Time of one POST to the Cloud API, by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    }),
);

/** One contact of one channel: its messages go out one at a time, in order. */
export interface Recipient {
  workspaceId: string;
  channelId: string;
  waId: string;
}

interface UnsentRow {
  id: string;
  navigation_id: string;
  part: number;
  content: CloudMessage;
  send_state: 'queued' | 'sending';
  attempts: number;
  next_attempt_at: Date | null;
  sending_since: Date | null;
}

/** What draining a contact's queue came to: all sent (or failed for good), or blocked until a retry is due. */
export type DrainResult = { blockedUntil?: Date };

/** The callback data a part is sent with; Meta echoes it in the part's status webhooks. */
export function callbackDataOf(navigationId: string, part: number): string {
  return `fb:${navigationId}:${part}`;
}

/**
 * The send queue of each contact, kept in the message log: a navigation's parts are inserted as `queued`
 * rows (a navigation seen before inserts nothing), then the contact's rows are sent oldest first, each claimed
 * by the statement that reads it. A retryable failure leaves its row at the head with a due time, and the
 * contact's later rows wait behind it, so the contact never sees messages out of flow order. Three statements
 * per message (queue, claim, mark sent), none in a transaction and no connection held across the Graph POST.
 */
@Injectable()
export class SendLane {
  private readonly logger = new Logger(SendLane.name);
  /** Set at shutdown: a drain stops between two sends and hands the rest back (its job is parked, due now). */
  stopping = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: WhatsappMessagingConfig,
    private readonly channels: ChannelsService,
    private readonly graph: GraphClient,
    private readonly limiter: SendRateLimiter,
  ) {}

  /** Queues the navigation's parts; false if they were queued before (a redelivered navigation). */
  async enqueue(navigation: NavigationEventV1): Promise<boolean> {
    const parts = navigation.messages.flatMap((m) => toCloudMessages(navigation.contact.waId, m));
    if (parts.length === 0) return true;
    const values = valuesList(
      [
        navigation.workspaceId,
        navigation.channelId,
        navigation.contact.waId,
        navigation.emittedAt,
        'out',
        'queued',
      ],
      parts.map((payload, part) => [
        navigation.navigationId,
        part,
        payload.type,
        JSON.stringify({
          ...payload,
          biz_opaque_callback_data: callbackDataOf(navigation.navigationId, part),
        }),
      ]),
    );
    const inserted = await Tenancy.forWorkspace(navigation.workspaceId, () =>
      this.db.query<unknown[]>(
        `INSERT INTO whatsapp_messaging.messages
              (workspace_id, channel_id, wa_id, occurred_at, direction, send_state, navigation_id, part, type, content)
       VALUES ${values.sql}
       ON CONFLICT (navigation_id, part) DO NOTHING RETURNING id`,
        values.params,
      ),
    );
    return inserted.length > 0;
  }

  /**
   * Sends the contact's queued rows in order. No lock and no connection is held across a send: the head of the
   * contact's queue is claimed by the statement that reads it (`sending`), and a row behind a `sending` head waits
   * for it, so one contact's messages go out one at a time and in order whoever drains. One job at a time per
   * navigation partition (across replicas) means a second drainer of a contact is rare (the overdue sweep, a job
   * taken over after its worker stalled); it finds the head claimed and waits like a send in doubt.
   */
  drain(recipient: Recipient): Promise<DrainResult> {
    // In the contact's workspace: its rows, and only its own channel, are all a drain can reach.
    return Tenancy.forWorkspace(recipient.workspaceId, () => this.sendAll(recipient));
  }

  private async sendAll(recipient: Recipient): Promise<DrainResult> {
    const db = this.db.manager;
    // Read and its token opened once per drain, not per message.
    let channel: ChannelEntity | null | undefined;
    let token: string | undefined;
    for (;;) {
      if (this.stopping) return { blockedUntil: new Date() };
      // The head of the contact's queue; a fresh one (never tried) is marked `sending` in the same statement.
      const [row] = await db.query<Array<UnsentRow & { claimed: boolean }>>(
        `WITH head AS (
           SELECT id, navigation_id, part, content, send_state, attempts, next_attempt_at, sending_since
             FROM whatsapp_messaging.messages
            WHERE channel_id = $1 AND wa_id = $2 AND send_state IN ('queued', 'sending')
            ORDER BY id LIMIT 1),
         claimed AS (
           UPDATE whatsapp_messaging.messages m
              SET send_state = 'sending', attempts = 1, sending_since = now()
             FROM head
            WHERE m.id = head.id AND m.send_state = 'queued' AND m.attempts = 0
           RETURNING m.id)
         SELECT head.*, claimed.id IS NOT NULL AS claimed FROM head LEFT JOIN claimed ON true`,
        [recipient.channelId, recipient.waId],
      );
      if (!row) return {};
      const now = Date.now();
      if (row.next_attempt_at && row.next_attempt_at.getTime() > now)
        return { blockedUntil: row.next_attempt_at };
      if (!row.claimed && row.attempts > 0) {
        // A send tried before may have reached Meta although its answer did not reach us: its status says so.
        const accepted = await this.acceptedEarlier(row);
        if (accepted) {
          await this.markSent(row.id, accepted, recipient);
          sends.inc({ outcome: 'recovered' });
          continue;
        }
        if (row.send_state === 'sending') {
          const settledAt = row.sending_since!.getTime() + this.config.SEND_IN_DOUBT_GRACE_MS;
          if (settledAt > now) return { blockedUntil: new Date(settledAt) };
          this.logger.warn(
            { navigationId: row.navigation_id, part: row.part },
            'a send cut off by a crash left no status; sending it again',
          );
        }
      } else if (!row.claimed) {
        // Claimed by another drainer between its read and ours: it sends the head, and the rows behind it.
        return { blockedUntil: new Date(now + this.config.SEND_IN_DOUBT_GRACE_MS) };
      }
      channel ??= await this.channels.forSending(recipient.workspaceId, recipient.channelId, db);
      if (!channel) {
        this.logger.warn(
          { channelId: recipient.channelId, navigationId: row.navigation_id },
          'navigation for a channel that does not exist; recorded as failed',
        );
        await this.markFailed(row.id, {
          code: 0,
          title: 'CHANNEL_NOT_FOUND',
          message: `Channel ${recipient.channelId} no longer exists`,
        });
        sends.inc({ outcome: 'failed' });
        continue;
      }
      token ??= this.channels.open(channel, 'accessToken');
      const outcome = await this.sendOne(channel, token, row, row.claimed, recipient);
      if (outcome === 'taken') return { blockedUntil: new Date(now + this.config.SEND_IN_DOUBT_GRACE_MS) };
      if (outcome instanceof Date) return { blockedUntil: outcome };
      if (outcome === 'done') return {};
    }
  }

  /**
   * One attempt at one row: the time it may be tried again when it should be, 'done' when it was sent and
   * nothing is queued behind it, 'taken' when another drainer claimed it first, else undefined (go on).
   */
  private async sendOne(
    channel: ChannelEntity,
    token: string,
    row: UnsentRow,
    claimed: boolean,
    recipient: Recipient,
  ): Promise<Date | 'done' | 'taken' | undefined> {
    const db = this.db.manager;
    if (!claimed) {
      // A retry or a send in doubt: claimed only if nobody claimed it since it was read.
      const [, updated] = await db.query<[unknown[], number]>(
        `UPDATE whatsapp_messaging.messages
            SET send_state = 'sending', attempts = attempts + 1, sending_since = now(), next_attempt_at = NULL
          WHERE id = $1 AND attempts = $2`,
        [row.id, row.attempts],
      );
      if (updated === 0) return 'taken';
    }
    try {
      await this.limiter.acquire(channel.id, channel.messagesPerSecond);
    } catch (error) {
      // Nothing left (the limiter's Redis refused): the row is not in doubt, so it goes back to the queue as it
      // was instead of waiting SEND_IN_DOUBT_GRACE_MS for a status that cannot come.
      await db.query(
        `UPDATE whatsapp_messaging.messages
            SET send_state = 'queued', attempts = attempts - 1, sending_since = NULL WHERE id = $1`,
        [row.id],
      );
      throw error;
    }
    const began = performance.now();
    const outcome = await this.graph.send(channel, token, row.content);
    sendDuration.observe({ outcome: outcome.kind }, (performance.now() - began) / 1000);
    sends.inc({ outcome: outcome.kind });
    if (outcome.kind === 'sent') {
      const more = await this.markSent(row.id, outcome.waMessageId, recipient);
      if (!channel.tokenValid) {
        await this.channels.recordTokenWorks(channel.id, db);
        channel.tokenValid = true;
      }
      return more ? undefined : 'done';
    }
    const attempts = row.attempts + 1;
    if (outcome.kind === 'retry' && attempts < this.config.SEND_RETRY_ATTEMPTS) {
      const due = new Date(Date.now() + this.backoff(attempts));
      await db.query(
        `UPDATE whatsapp_messaging.messages
            SET send_state = 'queued', next_attempt_at = $2, sending_since = NULL, error = $3 WHERE id = $1`,
        [row.id, due, JSON.stringify(outcome.error)],
      );
      this.logger.warn(
        { navigationId: row.navigation_id, part: row.part, attempt: attempts, error: outcome.error },
        'send failed; retrying',
      );
      return due;
    }
    await this.markFailed(row.id, outcome.error);
    const tokenInvalid = outcome.kind === 'failed' && outcome.tokenInvalid;
    await this.channels.recordSendError(channel.id, outcome.error, tokenInvalid, db);
    if (tokenInvalid) channel.tokenValid = false;
    this.logger.warn(
      { navigationId: row.navigation_id, part: row.part, attempts, error: outcome.error },
      'send failed for good',
    );
    return undefined;
  }

  /** Exponential from SEND_RETRY_BASE_MS, capped, with full jitter over its upper half. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(
      this.config.SEND_RETRY_MAX_MS,
      this.config.SEND_RETRY_BASE_MS * 2 ** (attempt - 1),
    );
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private async acceptedEarlier(row: UnsentRow): Promise<string | undefined> {
    const [status] = await this.db.manager.query<Array<{ wa_message_id: string }>>(
      `SELECT wa_message_id FROM whatsapp_messaging.statuses WHERE callback_data = $1 LIMIT 1`,
      [callbackDataOf(row.navigation_id, row.part)],
    );
    return status?.wa_message_id;
  }

  /** Marks the row sent; true when the contact has more rows queued behind it (in the same statement). */
  private async markSent(id: string, waMessageId: string, recipient: Recipient): Promise<boolean> {
    const [[row]] = await this.db.manager.query<[Array<{ more: boolean }>, number]>(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'sent', wa_message_id = $2, sent_at = now(), sending_since = NULL, error = NULL
        WHERE id = $1
        RETURNING EXISTS (SELECT 1 FROM whatsapp_messaging.messages
                           WHERE channel_id = $3 AND wa_id = $4 AND send_state IN ('queued', 'sending') AND id <> $1)
                  AS more`,
      [id, waMessageId, recipient.channelId, recipient.waId],
    );
    return row?.more ?? true;
  }

  private async markFailed(id: string, error: SendError): Promise<void> {
    await this.db.manager.query(
      `UPDATE whatsapp_messaging.messages
          SET send_state = 'failed', sending_since = NULL, next_attempt_at = NULL, error = $2 WHERE id = $1`,
      [id, JSON.stringify(error)],
    );
  }

  /** Contacts with rows overdue for longer than a minute: a job that should have sent them was lost. */
  async overdue(limit = 100): Promise<Recipient[]> {
    // Across workspaces: the sweeper looks for lost work of every workspace.
    return Tenancy.acrossWorkspaces(() =>
      this.db.query<Recipient[]>(
        `SELECT DISTINCT workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId"
         FROM whatsapp_messaging.messages
        WHERE send_state IN ('queued', 'sending')
          AND coalesce(next_attempt_at, sending_since, created_at) < now() - interval '1 minute'
        LIMIT $1`,
        [limit],
      ),
    );
  }
}
