import type { NavigationEventV1 } from '@flowbridge/contracts';
import { Tenancy } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { SendingChannels } from '../channels/sending-channels';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { PublishedForms } from '../flows-endpoint/published-forms';
import { toCloudMessages } from './cloud-payloads';
import { SendAttempt } from './send-attempt';
import { sends } from './send-metrics';
import { SendQueue } from './send-queue';
import { callbackDataOf, type HeadRow, type Queued, type Recipient } from './send-rows';

export type { Recipient } from './send-rows';

/** What draining a contact's queue came to: all sent (or failed for good), or blocked until a retry is due. */
export type DrainResult = { blockedUntil?: Date };

/**
 * Sends each contact's queue (`SendQueue`): a navigation's parts are queued as rows (a navigation seen before
 * queues nothing), then the contact's rows are sent oldest first, each claimed by the statement that reads it —
 * or, for a contact with nothing else queued, by the statement that queues it. A retryable failure leaves its row
 * at the head with a due time, and the contact's later rows wait behind it, so the contact never sees messages
 * out of flow order. Two statements per message in the common case (queued and claimed, marked sent), each
 * shared by the contacts sent to at once; none in a transaction, no connection held across the Graph POST.
 */
@Injectable()
export class SendLane {
  private readonly logger = new Logger(SendLane.name);
  /** Set at shutdown: a drain stops between two sends and hands the rest back (its job is parked, due now). */
  stopping = false;

  constructor(
    private readonly queue: SendQueue,
    private readonly config: WhatsappMessagingConfig,
    private readonly channels: SendingChannels,
    private readonly attempt: SendAttempt,
    private readonly forms: PublishedForms,
  ) {}

  /** Queues the navigation's parts; false if they were queued before (a redelivered navigation). */
  async enqueue(navigation: NavigationEventV1): Promise<boolean> {
    return (await this.queueParts(navigation, false)).fresh;
  }

  /**
   * Queues the navigation's parts and, when its contact has nothing else queued or being sent, claims the
   * first for sending in the same statement: the caller drains the contact with it (`drain(recipient, head)`)
   * soon, or the row is left `sending` — in doubt, as after a crash.
   */
  queueAndClaim(navigation: NavigationEventV1): Promise<Queued> {
    return this.queueParts(navigation, true);
  }

  private async queueParts(navigation: NavigationEventV1, claim: boolean): Promise<Queued> {
    const opened = await this.forms.open(navigation);
    const parts = opened.messages.flatMap((m) => toCloudMessages(navigation.contact.waId, m));
    return this.queue.queue(opened, parts, claim);
  }

  /**
   * Sends the contact's queued rows in order. No lock and no connection is held across a send: the head of the
   * contact's queue is claimed by the statement that reads it (`sending`), and a row behind a `sending` head waits
   * for it, so one contact's messages go out one at a time and in order whoever drains. One job at a time per
   * navigation partition (across replicas) means a second drainer of a contact is rare (the overdue sweep, a job
   * taken over after its worker stalled); it finds the head claimed and waits like a send in doubt. `claimed`:
   * the head `queueAndClaim` claimed, sent first without reading the queue.
   */
  drain(recipient: Recipient, claimed?: HeadRow): Promise<DrainResult> {
    // In the contact's workspace: its rows, and only its own channel, are all a drain can reach.
    return Tenancy.forWorkspace(recipient.workspaceId, () => this.sendAll(recipient, claimed));
  }

  /** A claimed head that will not be sent here after all (shutting down): back to the queue, not in doubt. */
  release(recipient: Recipient, head: HeadRow): Promise<void> {
    return Tenancy.forWorkspace(recipient.workspaceId, () => this.queue.release(head.id));
  }

  private async sendAll(recipient: Recipient, claimed?: HeadRow): Promise<DrainResult> {
    let given = claimed;
    for (;;) {
      if (this.stopping) {
        if (given) await this.queue.release(given.id);
        return { blockedUntil: new Date() };
      }
      const row = given ?? (await this.queue.claimHead(recipient));
      given = undefined;
      if (!row) return {};
      const now = Date.now();
      if (row.next_attempt_at && row.next_attempt_at.getTime() > now)
        return { blockedUntil: row.next_attempt_at };
      if (!row.claimed && row.attempts > 0) {
        // A send tried before may have reached Meta although its answer did not reach us: its status says so.
        const callbackData = callbackDataOf(row.navigation_id, row.part);
        const accepted = await this.queue.acceptedWith(recipient.channelId, callbackData);
        if (accepted) {
          await this.queue.markSent(recipient, row.id, accepted);
          sends.inc({ outcome: 'recovered' });
          continue;
        }
        if (row.send_state === 'sending') {
          const settledAt = row.sending_since!.getTime() + this.config.SEND_IN_DOUBT_GRACE_MS;
          if (settledAt > now) return { blockedUntil: new Date(settledAt) };
          this.logger.warn(
            { navigationId: row.navigation_id, part: row.part },
            'a send in doubt (cut off by a crash, or its answer lost) left no status; sending it again',
          );
        }
      } else if (!row.claimed) {
        // Claimed by another drainer between its read and ours: it sends the head, and the rows behind it.
        return { blockedUntil: new Date(now + this.config.SEND_IN_DOUBT_GRACE_MS) };
      }
      const channel = await this.channels.get(recipient.workspaceId, recipient.channelId);
      if (!channel) {
        this.logger.warn(
          { channelId: recipient.channelId, navigationId: row.navigation_id },
          'navigation for a channel that does not exist; recorded as failed',
        );
        await this.queue.markFailed(row.id, {
          code: 0,
          title: 'CHANNEL_NOT_FOUND',
          message: `Channel ${recipient.channelId} no longer exists`,
        });
        sends.inc({ outcome: 'failed' });
        continue;
      }
      const outcome = await this.attempt.send(channel, row, recipient);
      if (outcome === 'taken') return { blockedUntil: new Date(now + this.config.SEND_IN_DOUBT_GRACE_MS) };
      if (outcome instanceof Date) return { blockedUntil: outcome };
      if (outcome === 'done') return {};
    }
  }

  /** Contacts with rows overdue: the process that would have sent them stopped. */
  overdue(limit = 100): Promise<Recipient[]> {
    return this.queue.overdue(limit);
  }
}
