import {
  type InboundMessage,
  jobIdOf,
  type TriggerEventV1,
  type TriggerMessage,
} from '@flowbridge/contracts';
import {
  endSpan,
  GroupCommit,
  isUnavailableError,
  REDIS,
  RedisEpochWatcher,
  SpanKind,
  startSpan,
  Tenancy,
  traceparentOf,
  TriggerProducer,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { type ParsedInbound, triggerMessageOf } from './envelope';
import { type InboundRow, InboundRepository, type StatusRow } from './inbound.repository';
import { inboundMessages, unknownTypes, webhookBatchSize, webhookRequests } from './webhook-metrics';
import { unavailableOnError, type VerifiedWebhook, WebhookVerifier } from './webhook-verifier';

/** A verified webhook and the trace its messages' steps continue (the `traceparent` of its span). */
type TracedWebhook = VerifiedWebhook & { trace?: string };

const STATUS_RANK = { sent: 1, delivered: 2, read: 3, failed: 4 } as const;

/** Webhooks written in one statement at most. */
const MAX_WEBHOOKS_PER_STATEMENT = 64;

/** The data source Meta's webhooks are written through: a pool of their own (WhatsappMessagingAppModule). */
export const WEBHOOK_DATA_SOURCE = 'webhooks';

export interface IngestResult {
  messages: number;
  duplicates: number;
  statuses: number;
}

/**
 * Meta's webhook POST: signature over the raw bytes, then every message and status of the batch recorded in one
 * statement (shared with the webhooks that arrived meanwhile: group commit; a single statement commits whole, so
 * no transaction round trips), then each message's trigger event enqueued. The answer is 200 only once both are
 * done; a failure answers 503 and Meta delivers again. A redelivered message is enqueued again too, under the
 * same job id: that completes a delivery whose enqueue failed after its rows committed (Redis refused, the process
 * died), and is dropped as a duplicate (by BullMQ, then by the worker's inbox) when the first enqueue had worked.
 * A shared statement that fails is written again webhook by webhook, so one bad webhook never fails another.
 */
@Injectable()
export class WebhookIngest implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookIngest.name);
  private readonly epochs: RedisEpochWatcher;
  /** Webhooks that arrive while earlier ones are being written share the next statement (group commit). */
  private readonly writes: GroupCommit<TracedWebhook, IngestResult>;

  constructor(
    @InjectDataSource(WEBHOOK_DATA_SOURCE) private readonly db: DataSource,
    private readonly verifier: WebhookVerifier,
    private readonly triggers: TriggerProducer,
    config: WhatsappMessagingConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.epochs = new RedisEpochWatcher(db, redis, 'whatsapp_messaging', (tx, since) =>
      this.requeue(tx, since),
    );
    // Across workspaces: one batch may carry several numbers; each row names its own channel's workspace.
    this.writes = new GroupCommit((_lane, batch) => Tenancy.acrossWorkspaces(() => this.record(batch)), {
      maxBatch: MAX_WEBHOOKS_PER_STATEMENT,
      concurrency: config.WEBHOOK_WRITE_CONCURRENCY,
      writer: 'webhooks',
      // Postgres or Redis unreachable: every webhook waiting is answered 503 at once, and Meta delivers it again.
      sharedFailure: isUnavailableError,
    });
  }

  onApplicationBootstrap(): void {
    this.epochs.start();
  }

  onApplicationShutdown(): void {
    this.epochs.stop();
  }

  /**
   * Across workspaces: one batch may carry several numbers; each change goes to its own channel's workspace.
   * Each webhook starts a trace (`whatsapp.webhook`) that the steps of its messages continue.
   */
  ingest(raw: Buffer, signature: string | undefined): Promise<IngestResult> {
    return Tenancy.acrossWorkspaces(async () => {
      const span = startSpan('whatsapp.webhook', undefined, {}, SpanKind.SERVER);
      try {
        const webhook = await this.verifier.verify(raw, signature);
        if (webhook === 'ignored') {
          endSpan(span, undefined, { 'flowbridge.outcome': 'ignored' });
          return { messages: 0, duplicates: 0, statuses: 0 };
        }
        const traced = { ...webhook, trace: traceparentOf(span) };
        const result = await unavailableOnError(() => this.writes.submit('webhooks', traced), this.logger);
        webhookRequests.inc({ outcome: 'accepted' });
        endSpan(span, undefined, {
          'flowbridge.messages': result.messages,
          'flowbridge.duplicates': result.duplicates,
          'flowbridge.statuses': result.statuses,
        });
        return result;
      } catch (error) {
        endSpan(span, error);
        throw error;
      }
    });
  }

  /**
   * Every message and status of the webhooks given, in one statement; then every message enqueued as a trigger
   * event (a redelivered one again, under the same id). One result per webhook, in order.
   */
  private async record(writes: TracedWebhook[]): Promise<IngestResult[]> {
    webhookBatchSize.observe(writes.length);
    const inbound: Array<{ write: number; row: InboundRow; parsed: ParsedInbound }> = [];
    const statuses: StatusRow[] = [];
    const results: IngestResult[] = writes.map(() => ({ messages: 0, duplicates: 0, statuses: 0 }));
    for (const [write, { changes, byNumber }] of writes.entries())
      for (const change of changes) {
        const channel = byNumber.get(change.phoneNumberId);
        if (!channel) {
          this.logger.warn(
            { phoneNumberId: change.phoneNumberId },
            'webhook change for a number with no channel',
          );
          continue;
        }
        for (const type of change.unknown) {
          unknownTypes.inc({ type });
          this.logger.warn(
            { type, channelId: channel.id },
            'webhook carried a type this version does not know',
          );
        }
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
          inbound.push({ write, row, parsed: m });
        }
        results[write].statuses += change.statuses.length;
        for (const s of change.statuses)
          statuses.push({
            wa_message_id: s.waMessageId,
            channel_id: channel.id,
            status: s.status,
            rank: STATUS_RANK[s.status],
            status_at: s.timestamp.toISOString(),
            errors: s.errors.length > 0 ? s.errors : null,
            callback_data: s.callbackData ?? null,
          });
        const error = change.errors.at(-1);
        if (error) {
          this.logger.warn({ channelId: channel.id, error }, 'Meta reported an error for this number');
          await InboundRepository.noteChannelError(this.db.manager, channel.id, {
            ...error,
            at: new Date().toISOString(),
            source: 'webhook',
          });
        }
      }

    const fresh = await InboundRepository.record(
      this.db.manager,
      inbound.map((m) => m.row),
      statuses,
    );
    const events = new Map<string, TriggerEventV1>();
    for (const { write, row, parsed } of inbound) {
      const isNew = fresh.delete(row.wa_message_id); // a second copy in the same batch is a duplicate too
      inboundMessages.inc({ type: row.type, outcome: isNew ? 'new' : 'duplicate' });
      results[write][isNew ? 'messages' : 'duplicates']++;
      // A duplicate too: its first delivery may have been recorded without being enqueued. Once per message.
      if (!events.has(row.wa_message_id))
        events.set(
          row.wa_message_id,
          triggerEventOf(row, parsed.inbound, parsed.message, writes[write].trace),
        );
    }
    // If Redis refuses, the batch is answered 503 and Meta sends it again: its messages are enqueued then.
    if (events.size > 0) await this.triggers.enqueueAll([...events.values()]);
    return results;
  }

  /**
   * After a Redis restart (RedisEpochWatcher): the trigger events of every message received since `since`,
   * queued again under their ids. Those Redis kept are untouched; the worker's inbox drops those it applied.
   */
  async requeue(tx: EntityManager, since: Date): Promise<number> {
    const rows = await InboundRepository.receivedSince(tx, since);
    await this.triggers.enqueueAll(
      rows.map((r) => {
        const { profileName: _, ...inbound } = r.content;
        return triggerEventOf(
          { ...r, occurred_at: new Date(r.occurred_at).toISOString() },
          inbound,
          triggerMessageOf(inbound),
        );
      }),
    );
    return rows.length;
  }
}

/**
 * The trigger event of an inbound message row: built the same way at ingestion and when queued again. `message`
 * is what the flow sees of it (`triggerMessageOf(inbound)`; parsing already made it for a fresh webhook).
 */
function triggerEventOf(
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
