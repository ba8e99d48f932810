import { createHash, randomUUID } from 'node:crypto';
import type { JsonValue, TriggerEventV1 } from '@flowbridge/contracts';
import { acceptsApiTrigger } from '@flowbridge/flow-engine';
import { AppError, Periodic, REDIS, RedisEpochWatcher, Tenancy, TriggerProducer } from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { FlowErrorCode } from '../errors';
import type { StartRunDto } from '../flows/flow.dto';
import { FlowsService } from '../flows/flows.service';
import { FlowVersionEntity } from '../publishing/flow-version.entity';
import { ApiTriggerRepository } from './api-triggers.repository';
import { ChannelsClient } from '../channels/channels.client';

const MAX_VARIABLES_BYTES = 64 * 1024;

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The API trigger: a business system starts the active version of a flow for one contact. Each event is
 * recorded in Postgres before the 202, so that a Redis that loses its last writes replays it like a webhook.
 */
@Injectable()
export class RunsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunsService.name);
  private readonly epochs: RedisEpochWatcher;
  private readonly pruner = new Periodic(
    () => this.prune(),
    PRUNE_EVERY_MS,
    (err) => this.logger.warn({ err }, 'pruning recorded API triggers failed; retrying'),
  );

  constructor(
    private readonly flows: FlowsService,
    @InjectRepository(FlowVersionEntity) private readonly versions: Repository<FlowVersionEntity>,
    private readonly producer: TriggerProducer,
    private readonly channels: ChannelsClient,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) redis: Redis,
  ) {
    this.epochs = new RedisEpochWatcher(db, redis, 'flow_definition', (tx, since) => this.requeue(tx, since));
  }

  async start(
    workspaceId: string,
    flowId: string,
    dto: StartRunDto,
    idempotencyKey: string | undefined,
  ): Promise<{ eventId: string; flowId: string; version: number }> {
    const flow = await this.flows.find(workspaceId, flowId);
    if (flow.activeVersion === null)
      throw AppError.conflict(
        FlowErrorCode.FlowNotActive,
        'The flow has no active version: publish it first',
      );
    const version = await this.versions.findOneByOrFail({ flowId, number: flow.activeVersion });
    if (!acceptsApiTrigger(version.triggers))
      throw AppError.conflict(
        FlowErrorCode.ApiTriggerNotEnabled,
        'The active version has no API trigger: add { "type": "api" } to its triggers and publish',
        'triggers',
      );
    const channelId = dto.channelId.toLowerCase();
    if (version.channelIds.length > 0 && !version.channelIds.includes(channelId))
      throw AppError.validation(
        'channelId',
        'The flow does not listen on this channel',
        FlowErrorCode.ChannelNotListened,
      );
    if ((await this.channels.has(workspaceId, channelId)) === false)
      throw AppError.validation(
        'channelId',
        'The workspace has no channel with this id',
        FlowErrorCode.ChannelNotFound,
      );
    const variables = (dto.variables ?? {}) as Record<string, JsonValue>;
    if (Buffer.byteLength(JSON.stringify(variables)) > MAX_VARIABLES_BYTES)
      throw AppError.validation(
        'variables',
        `variables may hold at most ${MAX_VARIABLES_BYTES / 1024} KB of JSON`,
      );
    const event: TriggerEventV1 = {
      version: 1,
      eventId: idempotencyKey ? eventIdFor(workspaceId, flowId, idempotencyKey) : randomUUID(),
      workspaceId,
      channelId,
      contact: {
        waId: dto.contact.waId,
        ...(dto.contact.name !== undefined ? { name: dto.contact.name } : {}),
      },
      occurredAt: new Date().toISOString(),
      source: { type: 'api', flowId, flowVersion: flow.activeVersion, variables },
    };
    // Recorded before the 202, and enqueued inside that transaction (as a webhook is): if Redis refuses,
    // nothing is kept and the caller retries; a retry with the same Idempotency-Key is the same row and job.
    await this.db.transaction(async (tx) => {
      await ApiTriggerRepository.record(tx, event);
      await this.producer.enqueue(event);
    });
    return { eventId: event.eventId, flowId, version: flow.activeVersion };
  }

  /**
   * After a Redis restart (RedisEpochWatcher): the API triggers accepted since `since`, queued again under
   * their ids. Those Redis kept are untouched; the worker's inbox drops those it applied.
   */
  async requeue(tx: EntityManager, since: Date): Promise<number> {
    const events = await ApiTriggerRepository.since(tx, since);
    await this.producer.enqueueAll(events);
    return events.length;
  }

  onApplicationBootstrap(): void {
    this.epochs.start();
    this.pruner.start();
  }

  onApplicationShutdown(): void {
    this.epochs.stop();
    this.pruner.stop();
  }

  /** Rows past any replay window (a day; a Redis restart replays the last minutes) go, in every workspace. */
  private async prune(): Promise<void> {
    await Tenancy.acrossWorkspaces(() => ApiTriggerRepository.prune(this.db));
  }
}

/** The same Idempotency-Key from the same workspace and flow names the same event: a retry is one run. */
function eventIdFor(workspaceId: string, flowId: string, key: string): string {
  const hex = createHash('sha256').update(`${workspaceId}\n${flowId}\n${key}`).digest('hex');
  return `api-${hex.slice(0, 32)}`;
}
