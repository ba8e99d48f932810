import { REDIS, RedisEpochWatcher, TriggerProducer } from '@flowbridge/platform';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { triggerMessageOf } from './envelope';
import { InboundRepository } from './inbound.repository';
import { WEBHOOK_DATA_SOURCE } from './ingest.service';
import { triggerEventOf } from './webhook-rows';

/**
 * A Redis that restarts may have lost the last trigger events it acknowledged (RedisEpochWatcher sees its new
 * run id): the messages received since are queued again under their ids. Those Redis kept are untouched; the
 * worker's inbox drops those it applied.
 */
@Injectable()
export class InboundReplay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly epochs: RedisEpochWatcher;

  constructor(
    @InjectDataSource(WEBHOOK_DATA_SOURCE) db: DataSource,
    private readonly triggers: TriggerProducer,
    @Inject(REDIS) redis: Redis,
  ) {
    this.epochs = new RedisEpochWatcher(db, redis, 'whatsapp_messaging', (tx, since) =>
      this.requeue(tx, since),
    );
  }

  /** The trigger events of every message received since `since`, queued again; returns how many. */
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

  onApplicationBootstrap(): void {
    this.epochs.start();
  }

  onApplicationShutdown(): void {
    this.epochs.stop();
  }
}
