import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Periodic, Tenancy } from '@flowbridge/platform';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { idleRuns } from '../runs/run-rows';
import { WorkerConfig } from '../worker.config';
import { ContactDrainer } from './contact-drainer';

const BATCH = 200;

/**
 * Ends runs idle for RUN_IDLE_TIMEOUT_MS as `expired`. Each expiry goes through the contact's inbox like
 * any event, so it never races a reply; any number of workers may sweep (the event id dedupes).
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExpirySweeper.name);
  private periodic?: Periodic;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drainer: ContactDrainer,
    private readonly config: WorkerConfig,
  ) {}

  /** Expires what is due now, in every workspace; returns how many runs were due. */
  async sweep(): Promise<number> {
    const due = await Tenancy.acrossWorkspaces(() => idleRuns(this.db, BATCH));
    for (const run of due) {
      const contact = { workspaceId: run.workspaceId, channelId: run.channelId, waId: run.waId };
      await this.drainer.handle(
        `expire-${run.id}-${run.expiresAt.getTime()}`,
        contact,
        new Date().toISOString(),
        {
          kind: 'expire',
          runId: run.id,
        },
      );
    }
    return due.length;
  }

  onApplicationBootstrap(): void {
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.config.RUN_IDLE_TIMEOUT_MS / 2)));
    this.periodic = new Periodic(
      () => this.sweep(),
      every,
      (err) => this.logger.warn({ err }, 'expiry sweep failed; retrying'),
    );
    this.periodic.start();
  }

  onApplicationShutdown(): void {
    this.periodic?.stop();
  }
}
