import { Injectable, Logger } from '@nestjs/common';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { SendLane } from './send-lane';
import type { HeadRow, Recipient } from './send-rows';

interface Drain {
  recipient: Recipient;
  /** Kicked again while draining: rows may have been queued after its last look, so it looks once more. */
  again: boolean;
  /** A head claimed as it was queued (`SendLane.queueAndClaim`): the next look starts with it. */
  claimed?: HeadRow;
}

/** After a drain that failed (Postgres or Redis down), the contact is tried again after this, doubling. */
const FAILED_DRAIN_RETRY_MS = 500;
const FAILED_DRAIN_RETRY_MAX_MS = 30_000;

/**
 * Runs the sends of this process: each contact with queued rows is drained by one task at a time here, up to
 * SEND_CONCURRENCY contacts at once, outside the navigation partitions (a navigation job ends once its rows
 * are queued, so a slow Cloud API does not hold a partition). A contact blocked until a retry or a send in
 * doubt settles is drained again at that time; one whose drain failed, after a growing pause. All of that is
 * memory only: the rows are the durable record, and the overdue sweep drains what a stopped process left.
 */
@Injectable()
export class SendScheduler {
  private readonly logger = new Logger(SendScheduler.name);
  private readonly drains = new Map<string, Drain>();
  private readonly ready: string[] = [];
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  /** The drains running: at most SEND_CONCURRENCY. */
  private readonly running = new Set<Promise<void>>();
  /** Claimed heads being handed back while stopping: waited for by `stop`, never counted as drains. */
  private readonly releases = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly lane: SendLane,
    private readonly config: WhatsappMessagingConfig,
  ) {}

  /**
   * The contact's queue is drained soon (at once if a slot is free); returns without waiting for the sends.
   * `claimed`: the head its navigation claimed as it was queued, sent first.
   */
  kick(recipient: Recipient, claimed?: HeadRow): void {
    if (this.stopping) return this.handBack(recipient, claimed);
    const key = keyOf(recipient);
    const drain = this.drains.get(key);
    if (drain) {
      drain.again = true;
      drain.claimed ??= claimed;
      return;
    }
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer.timer);
      this.timers.delete(key);
    }
    this.drains.set(key, { recipient, again: false, claimed });
    this.ready.push(key);
    this.startReady();
  }

  /** Contacts being drained or waiting for a slot (a gauge for tests and metrics). */
  get pending(): number {
    return this.drains.size;
  }

  /** Stops starting drains; those running stop between two sends (the lane's flag) and are waited for. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const key of this.ready.splice(0)) {
      const drain = this.drains.get(key);
      this.drains.delete(key);
      if (drain) this.handBack(drain.recipient, drain.claimed);
    }
    await Promise.allSettled([...this.running]);
    // A drain that ends hands its unsent head back before it settles: those releases are in the set by now.
    await Promise.allSettled([...this.releases]);
  }

  /** A claimed head not sent here (shutting down) goes back to the queue for whoever drains next: not in doubt. */
  private handBack(recipient: Recipient, claimed: HeadRow | undefined): void {
    if (!claimed) return;
    const released = this.lane.release(recipient, claimed).catch((err: unknown) => {
      // Left `sending`: settled by its status, or sent again after SEND_IN_DOUBT_GRACE_MS, by whoever drains.
      this.logger.warn({ err, channelId: recipient.channelId }, 'a claimed send could not be handed back');
    });
    this.releases.add(released);
    void released.finally(() => this.releases.delete(released));
  }

  private startReady(): void {
    while (this.running.size < this.config.SEND_CONCURRENCY && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const task = this.run(key).finally(() => {
        this.running.delete(task);
        this.startReady();
      });
      this.running.add(task);
    }
  }

  private async run(key: string): Promise<void> {
    const drain = this.drains.get(key)!;
    let blockedUntil: Date | undefined;
    try {
      do {
        drain.again = false;
        const claimed = drain.claimed;
        drain.claimed = undefined;
        blockedUntil = await this.drainOnce(key, drain.recipient, claimed);
      } while (drain.again && !this.stopping);
    } finally {
      this.drains.delete(key);
      this.handBack(drain.recipient, drain.claimed);
    }
    if (blockedUntil && !this.stopping) this.later(key, drain.recipient, blockedUntil.getTime());
  }

  private async drainOnce(key: string, recipient: Recipient, claimed?: HeadRow): Promise<Date | undefined> {
    try {
      const { blockedUntil } = await this.lane.drain(recipient, claimed);
      this.failures.delete(key);
      return blockedUntil;
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const pause = Math.min(FAILED_DRAIN_RETRY_MAX_MS, FAILED_DRAIN_RETRY_MS * 2 ** (failures - 1));
      this.logger.warn(
        { err, channelId: recipient.channelId, pauseMs: pause },
        'send drain failed; retrying',
      );
      return new Date(Date.now() + pause);
    }
  }

  /** One timer per contact, the earliest asked for. */
  private later(key: string, recipient: Recipient, at: number): void {
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.kick(recipient);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }
}

function keyOf(recipient: Recipient): string {
  return `${recipient.workspaceId}/${recipient.channelId}/${recipient.waId}`;
}
