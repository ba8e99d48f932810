import { Periodic, Tenancy } from '@flowbridge/platform';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContactDrainer } from './contact-drainer';
import { InboxRepository } from './inbox.repository';
import { pendingRedriven } from './worker-metrics';

const SWEEP_EVERY_MS = 15_000;
/** Longer than a pending event's own job takes to come back in the common case (a retry or a parked job). */
export const PENDING_GRACE_MS = 60_000;
const BATCH = 100;

/**
 * The safety net under "an event that could not be applied stays pending and is applied before the contact's
 * next one": a pending event is normally applied by its own job's retry (or the contact's next event), and
 * this applies the ones still pending a minute later, whatever became of that retry (a job lost with its
 * Redis, a step whose retry was abandoned, a race nobody has found yet). Any number of workers may sweep: the
 * contact's lock serializes them and a drain that finds nothing pending writes nothing.
 */
@Injectable()
export class PendingSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingSweeper.name);
  private readonly periodic = new Periodic(
    () => this.sweep(),
    SWEEP_EVERY_MS,
    (err) => this.logger.warn({ err }, 'pending sweep failed; retrying'),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drainer: ContactDrainer,
  ) {}

  /**
   * Applies the pending events of contacts that have had one for more than `graceMs`; returns how many contacts
   * were drained. A contact whose events still cannot be applied keeps them, for the next sweep.
   */
  async sweep(graceMs = PENDING_GRACE_MS): Promise<number> {
    const stalled = await Tenancy.acrossWorkspaces(() => InboxRepository.stalled(this.db, graceMs, BATCH));
    let drained = 0;
    for (const contact of stalled) {
      try {
        // Nothing left: applied since the query (by its job's retry or the contact's next event).
        if (!(await this.drainer.drain(contact))) continue;
      } catch (err) {
        this.logger.warn({ err, workspaceId: contact.workspaceId }, 'pending events still not applied');
        continue;
      }
      drained++;
      pendingRedriven.inc();
      this.logger.warn({ workspaceId: contact.workspaceId }, 'pending events applied by the sweep');
    }
    return drained;
  }

  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  onApplicationShutdown(): void {
    this.periodic.stop();
  }
}
