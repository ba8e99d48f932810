import { Periodic, REDIS, RedisEpochWatcher, Tenancy } from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { OutboxRepository } from './outbox.repository';
import { Outbox } from './outbox.service';

const SWEEP_EVERY_MS = 5000;
/** Rows older than this were left by a process that died between commit and send. */
const ORPHAN_AFTER_MS = 10_000;
const CONTACTS_PER_SWEEP = 200;
/** Sent rows older than this (before Redis was last seen alive) are deleted. */
const KEEP_SENT_MS = 10 * 60_000;
const DELETES_PER_SWEEP = 5000;

/**
 * What the outbox does when a process or Redis failed it: sends the rows a process that died between commit
 * and send left behind, and the API attempts whose lease ran out (the process running them died), in every
 * workspace; sends again every job since a Redis restart that may have lost them (RedisEpochWatcher); and
 * deletes rows sent long enough ago.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxSweeper.name);
  private readonly periodic = new Periodic(
    () => this.sweep(),
    SWEEP_EVERY_MS,
    (err) => this.logger.warn({ err }, 'outbox sweep failed; retrying'),
  );
  private readonly epochs: RedisEpochWatcher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly outbox: Outbox,
    @Inject(REDIS) redis: Redis,
  ) {
    this.epochs = new RedisEpochWatcher(db, redis, 'worker', (tx, since) => outbox.resend(tx, since));
  }

  sweep(): Promise<void> {
    return Tenancy.acrossWorkspaces(async () => {
      const contacts = await OutboxRepository.orphaned(this.db, ORPHAN_AFTER_MS, CONTACTS_PER_SWEEP);
      for (const contact of contacts) await this.outbox.flush(contact.workspaceId, [contact]);
      await OutboxRepository.deleteSent(this.db, KEEP_SENT_MS, DELETES_PER_SWEEP);
    });
  }

  onApplicationBootstrap(): void {
    this.periodic.start();
    this.epochs.start();
  }

  onApplicationShutdown(): void {
    this.periodic.stop();
    this.epochs.stop();
  }
}
