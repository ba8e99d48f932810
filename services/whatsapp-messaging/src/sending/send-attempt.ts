import { endSpan, SpanKind, startSpan } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { type SendingChannel, SendingChannels } from '../channels/sending-channels';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { GraphClient } from './graph-client';
import { SendRateLimiter } from './rate-limiter';
import { SendQueue } from './send-queue';
import { cloudApiErrors, sendDuration, sends } from './send-metrics';
import type { HeadRow, Recipient } from './send-rows';

/**
 * One POST of one queued row to the Cloud API, under the channel's rate limit, and what its answer makes of the
 * row: sent, in doubt (no answer once connected: left `sending` for its status webhook to settle), due again
 * after a backoff, or failed for good (recorded on the channel, e.g. an invalid token).
 */
@Injectable()
export class SendAttempt {
  private readonly logger = new Logger(SendAttempt.name);

  constructor(
    private readonly queue: SendQueue,
    private readonly config: WhatsappMessagingConfig,
    private readonly channels: SendingChannels,
    private readonly graph: GraphClient,
    private readonly limiter: SendRateLimiter,
  ) {}

  /**
   * One attempt at one row: the time it may be tried again when it should be, 'done' when it was sent and
   * nothing is queued behind it, 'taken' when another drainer claimed it first, else undefined (go on).
   */
  async send(
    channel: SendingChannel,
    row: HeadRow,
    recipient: Recipient,
  ): Promise<Date | 'done' | 'taken' | undefined> {
    // A retry or a send in doubt: claimed only if nobody claimed it since it was read.
    if (!row.claimed && !(await this.queue.claimAgain(row))) return 'taken';
    try {
      await this.limiter.acquire(channel.entity.id, channel.entity.messagesPerSecond);
    } catch (error) {
      // Nothing left (the limiter's Redis refused): the row is not in doubt, so it goes back to the queue as it
      // was instead of waiting SEND_IN_DOUBT_GRACE_MS for a status that cannot come.
      await this.queue.release(row.id);
      throw error;
    }
    const began = performance.now();
    const span = startSpan(
      'whatsapp.send',
      row.trace_parent ?? undefined,
      {
        'flowbridge.workspace_id': recipient.workspaceId,
        'flowbridge.navigation_id': row.navigation_id,
        'flowbridge.part': row.part,
        'flowbridge.attempt': row.attempts + (row.claimed ? 0 : 1),
      },
      SpanKind.CLIENT,
    );
    const outcome = await this.graph.send(channel.entity, channel.accessToken, row.content).catch((error) => {
      endSpan(span, error);
      throw error;
    });
    endSpan(span, outcome.kind === 'sent' ? undefined : outcome.kind, { 'flowbridge.outcome': outcome.kind });
    sendDuration.observe({ outcome: outcome.kind }, (performance.now() - began) / 1000);
    sends.inc({ outcome: outcome.kind });
    if (outcome.kind === 'retry' || outcome.kind === 'failed')
      cloudApiErrors.inc({ code: String(outcome.error.code) });
    if (outcome.kind === 'sent') {
      const more = await this.queue.markSent(recipient, row.id, outcome.waMessageId);
      if (!channel.entity.tokenValid) await this.channels.recordTokenWorks(channel);
      return more ? undefined : 'done';
    }
    if (outcome.kind === 'in_doubt') {
      // Left `sending`: the next drain settles it by its status webhook, or sends it again after the grace.
      this.logger.warn(
        { navigationId: row.navigation_id, part: row.part, error: outcome.error },
        'no answer to a send: in doubt until its status webhook comes or SEND_IN_DOUBT_GRACE_MS passes',
      );
      return new Date(Date.now() + this.config.SEND_IN_DOUBT_GRACE_MS);
    }
    const attempts = row.attempts + 1;
    if (outcome.kind === 'retry' && attempts < this.config.SEND_RETRY_ATTEMPTS) {
      const due = new Date(Date.now() + this.backoff(attempts));
      await this.queue.retryAt(row.id, due, outcome.error);
      this.logger.warn(
        { navigationId: row.navigation_id, part: row.part, attempt: attempts, error: outcome.error },
        'send failed; retrying',
      );
      return due;
    }
    await this.queue.markFailed(row.id, outcome.error);
    const tokenInvalid = outcome.kind === 'failed' && outcome.tokenInvalid;
    await this.channels.recordSendError(channel, outcome.error, tokenInvalid);
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
}
