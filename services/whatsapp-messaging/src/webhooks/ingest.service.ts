import type { TriggerEventV1 } from '@flowbridge/contracts';
import {
  endSpan,
  GroupCommit,
  isUnavailableError,
  SpanKind,
  startSpan,
  Tenancy,
  traceparentOf,
  TriggerProducer,
} from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { InboundRepository } from './inbound.repository';
import { inboundMessages, unknownTypes, webhookBatchSize, webhookRequests } from './webhook-metrics';
import { triggerEventOf, webhookRows } from './webhook-rows';
import { unavailableOnError, type VerifiedWebhook, WebhookVerifier } from './webhook-verifier';

/** A verified webhook and the trace its messages' steps continue (the `traceparent` of its span). */
type TracedWebhook = VerifiedWebhook & { trace?: string };

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
export class WebhookIngest {
  private readonly logger = new Logger(WebhookIngest.name);
  /** Webhooks that arrive while earlier ones are being written share the next statement (group commit). */
  private readonly writes: GroupCommit<TracedWebhook, IngestResult>;

  constructor(
    @InjectDataSource(WEBHOOK_DATA_SOURCE) private readonly db: DataSource,
    private readonly verifier: WebhookVerifier,
    private readonly triggers: TriggerProducer,
    config: WhatsappMessagingConfig,
  ) {
    // Across workspaces: one batch may carry several numbers; each row names its own channel's workspace.
    this.writes = new GroupCommit((_lane, batch) => Tenancy.acrossWorkspaces(() => this.record(batch)), {
      maxBatch: MAX_WEBHOOKS_PER_STATEMENT,
      concurrency: config.WEBHOOK_WRITE_CONCURRENCY,
      writer: 'webhooks',
      // Postgres or Redis unreachable: every webhook waiting is answered 503 at once, and Meta delivers it again.
      sharedFailure: isUnavailableError,
    });
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
    const rows = webhookRows(writes);
    for (const phoneNumberId of rows.strayNumbers)
      this.logger.warn({ phoneNumberId }, 'webhook change for a number with no channel');
    for (const { type, channelId } of rows.unknownTypes) {
      unknownTypes.inc({ type });
      this.logger.warn({ type, channelId }, 'webhook carried a type this version does not know');
    }
    for (const { channelId, error } of rows.channelErrors) {
      this.logger.warn({ channelId, error }, 'Meta reported an error for this number');
      const at = new Date().toISOString();
      await InboundRepository.noteChannelError(this.db.manager, channelId, {
        ...error,
        at,
        source: 'webhook',
      });
    }
    const fresh = await InboundRepository.record(
      this.db.manager,
      rows.inbound.map((m) => m.row),
      rows.statuses,
    );
    const results = writes.map((_, i) => ({ messages: 0, duplicates: 0, statuses: rows.statusCounts[i] }));
    const events = new Map<string, TriggerEventV1>();
    for (const { write, row, parsed } of rows.inbound) {
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
}
