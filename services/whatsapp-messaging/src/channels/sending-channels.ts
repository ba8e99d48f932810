import type { WhatsappError } from '@flowbridge/contracts';
import { GenerationCache } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ChannelEntity } from './channel.entity';
import { ChannelGenerations } from './channel-generations';
import { ChannelsService } from './channels.service';

/** A channel as the sender uses it: the row, and its access token opened once. */
export interface SendingChannel {
  entity: ChannelEntity;
  accessToken: string;
}

/** Past this, a channel is read again whatever the generations say (Redis was unreachable, say). */
const TTL_MS = 30_000;
/** Cached channels at most; the oldest goes first. */
const MAX_CHANNELS = 10_000;

/**
 * The channels the sender sends with, read and opened once rather than per message, kept in memory per
 * workspace and channel. A cached channel is used while this process's channels generation and the
 * deployment's (moved on by whichever replica changed a channel, checked at most once a second) both hold,
 * and for TTL_MS at most: a token replaced or a channel deleted on any replica is seen within a second.
 */
@Injectable()
export class SendingChannels {
  private readonly cache = new GenerationCache<SendingChannel | null>({ max: MAX_CHANNELS, ttlMs: TTL_MS });

  constructor(
    private readonly channels: ChannelsService,
    private readonly generations: ChannelGenerations,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** The channel (null once it was deleted), in the caller's workspace scope. */
  async get(workspaceId: string, channelId: string): Promise<SendingChannel | null> {
    const { local, remote } = await this.generations.current();
    // A failed read is not kept: the next send reads again.
    return this.cache.get(
      `${workspaceId}/${channelId}`,
      remote === undefined ? undefined : `${local}/${remote}`,
      () => this.read(workspaceId, channelId),
    );
  }

  /** A send went through: the token works (again). */
  async recordTokenWorks(channel: SendingChannel): Promise<void> {
    await this.channels.recordTokenWorks(channel.entity.id, this.db.manager);
    channel.entity.tokenValid = true;
  }

  /** A send's error for `GET /channels/:id/health`; a 190 marks the token invalid until it is replaced. */
  async recordSendError(channel: SendingChannel, error: WhatsappError, tokenInvalid: boolean): Promise<void> {
    await this.channels.recordSendError(channel.entity.id, error, tokenInvalid, this.db.manager);
    if (tokenInvalid) channel.entity.tokenValid = false;
  }

  private async read(workspaceId: string, channelId: string): Promise<SendingChannel | null> {
    const entity = await this.channels.forSending(workspaceId, channelId, this.db.manager);
    return entity && { entity, accessToken: this.channels.open(entity, 'accessToken') };
  }
}
