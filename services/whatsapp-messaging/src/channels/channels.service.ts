import { randomUUID } from 'node:crypto';
import { channelsGenerationKey, type WhatsappError } from '@flowbridge/contracts';
import {
  AppError,
  moveGenerationOn,
  REDIS,
  type SealedSecret,
  SecretBox,
  Tenancy,
  violatedConstraint,
} from '@flowbridge/platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { type EntityManager, type Repository } from 'typeorm';
import { MessagingErrorCode } from '../errors';
import { GraphClient } from '../sending/graph-client';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import type { CreateChannelDto, UpdateChannelDto } from './channel.dto';
import { ChannelEntity } from './channel.entity';
import type { ChannelView } from './channel-responses';
import { channelView } from './channel.view';

const DEFAULT_MESSAGES_PER_SECOND = 80; // Meta's default throughput per business number

export type SecretField = 'accessToken' | 'appSecret' | 'flowPrivateKey';

/** A channel row as the entity (the columns the hot paths read). */
const SELECT_CHANNEL = `SELECT id, workspace_id AS "workspaceId", phone_number_id AS "phoneNumberId",
  display_phone_number AS "displayPhoneNumber", waba_id AS "wabaId", access_token AS "accessToken",
  app_secret AS "appSecret", verify_token AS "verifyToken", graph_api_version AS "graphApiVersion",
  messages_per_second AS "messagesPerSecond", last_error AS "lastError", token_valid AS "tokenValid",
  flow_private_key AS "flowPrivateKey", flow_public_key AS "flowPublicKey",
  flow_key_uploaded_at AS "flowKeyUploadedAt", created_at AS "createdAt", updated_at AS "updatedAt"
  FROM whatsapp_messaging.channels`;

/** Channels: the business numbers of a workspace, their secrets sealed and bound to channel and field. */
@Injectable()
export class ChannelsService {
  private readonly logger = new Logger(ChannelsService.name);
  private readonly box: SecretBox;
  /**
   * Goes up whenever this process changes a channel: caches of channels compare it (WebhookChannels,
   * SendingChannels). Other replicas learn of the change from the deployment's generation in Redis.
   */
  generation = 0;

  constructor(
    @InjectRepository(ChannelEntity) private readonly channels: Repository<ChannelEntity>,
    private readonly config: WhatsappMessagingConfig,
    private readonly graph: GraphClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.box = new SecretBox(config.ENCRYPTION_KEYS);
  }

  async create(workspaceId: string, dto: CreateChannelDto): Promise<ChannelView> {
    await this.verifyNumber(dto.phoneNumberId, dto.graphApiVersion ?? null, dto.accessToken);
    const id = randomUUID();
    const channel = this.channels.create({
      id,
      workspaceId,
      phoneNumberId: dto.phoneNumberId,
      displayPhoneNumber: dto.displayPhoneNumber,
      wabaId: dto.wabaId,
      accessToken: this.seal(workspaceId, id, 'accessToken', dto.accessToken),
      appSecret: this.seal(workspaceId, id, 'appSecret', dto.appSecret),
      verifyToken: dto.verifyToken,
      graphApiVersion: dto.graphApiVersion ?? null,
      messagesPerSecond: dto.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND,
      lastError: null,
      tokenValid: true,
      flowPrivateKey: null,
      flowPublicKey: null,
      flowKeyUploadedAt: null,
    });
    return this.view(await this.save(channel));
  }

  /** Every channel of every workspace (the webhook's secret cache; a deployment has few). */
  all(): Promise<ChannelEntity[]> {
    return Tenancy.acrossWorkspaces(() => this.channels.query<ChannelEntity[]>(SELECT_CHANNEL));
  }

  async list(workspaceId: string): Promise<{ items: ChannelView[] }> {
    const rows = await this.channels.find({ where: { workspaceId }, order: { createdAt: 'ASC' } });
    return { items: rows.map((c) => this.view(c)) };
  }

  /** The ids of the workspace's channels, in its scope. */
  async idsOf(workspaceId: string): Promise<string[]> {
    const rows = await Tenancy.forWorkspace(workspaceId, () =>
      this.channels.find({ where: { workspaceId }, select: { id: true } }),
    );
    return rows.map((c) => c.id);
  }

  async get(workspaceId: string, id: string): Promise<ChannelView> {
    return this.view(await this.find(workspaceId, id));
  }

  async update(workspaceId: string, id: string, dto: UpdateChannelDto): Promise<ChannelView> {
    const channel = await this.find(workspaceId, id);
    const { accessToken, appSecret, ...plain } = dto;
    // A new number or token: the token must see the number (the stored token when only the number changes).
    if (accessToken !== undefined || (plain.phoneNumberId ?? channel.phoneNumberId) !== channel.phoneNumberId)
      await this.verifyNumber(
        plain.phoneNumberId ?? channel.phoneNumberId,
        plain.graphApiVersion ?? channel.graphApiVersion,
        accessToken ?? this.open(channel, 'accessToken'),
      );
    Object.assign(channel, plain);
    if (accessToken !== undefined) {
      channel.accessToken = this.seal(workspaceId, id, 'accessToken', accessToken);
      // A new token is presumed good until Meta says otherwise.
      channel.tokenValid = true;
    }
    if (appSecret !== undefined) channel.appSecret = this.seal(workspaceId, id, 'appSecret', appSecret);
    return this.view(await this.save(channel));
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.channels.delete({ id: (await this.find(workspaceId, id)).id });
    await this.changed();
  }

  /** `GET /channels/:id/health`: whether the token works and the last error Meta reported. */
  async health(workspaceId: string, id: string) {
    const channel = await this.find(workspaceId, id);
    return {
      id: channel.id,
      healthy: channel.tokenValid,
      tokenValid: channel.tokenValid,
      lastError: channel.lastError,
    };
  }

  /**
   * The channel a navigation is for (null once the channel was deleted). The sender passes the manager of the
   * connection it holds, so that a send never waits for a second connection from the pool.
   */
  async forSending(workspaceId: string, id: string, db: EntityManager): Promise<ChannelEntity | null> {
    const [channel] = await db.query<ChannelEntity[]>(
      `${SELECT_CHANNEL} WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    return channel ?? null;
  }

  /** A send's error for `GET /channels/:id/health`; a 190 marks the token invalid until it is replaced. */
  async recordSendError(
    channelId: string,
    error: WhatsappError,
    tokenInvalid: boolean,
    db: EntityManager,
  ): Promise<void> {
    await db.query(
      `UPDATE whatsapp_messaging.channels SET last_error = $2, token_valid = token_valid AND NOT $3 WHERE id = $1`,
      [channelId, JSON.stringify({ ...error, at: new Date().toISOString(), source: 'send' }), tokenInvalid],
    );
  }

  /** A send went through: the token works (again). */
  async recordTokenWorks(channelId: string, db: EntityManager): Promise<void> {
    await db.query(
      `UPDATE whatsapp_messaging.channels SET token_valid = true WHERE id = $1 AND NOT token_valid`,
      [channelId],
    );
  }

  /** Whether some channel expects this verify token (Meta's subscription handshake). */
  async verifyTokenKnown(token: string): Promise<boolean> {
    return (await Tenancy.acrossWorkspaces(() => this.channels.countBy({ verifyToken: token }))) > 0;
  }

  /** Refuses a number the access token does not see on the Cloud API (422), or 503 when it does not answer. */
  private async verifyNumber(
    phoneNumberId: string,
    graphApiVersion: string | null,
    token: string,
  ): Promise<void> {
    const seen = await this.graph.seesNumber({ phoneNumberId, graphApiVersion }, token);
    if (seen.ok) return;
    if (!seen.reachable)
      throw new AppError(
        MessagingErrorCode.CloudApiUnavailable,
        'The Cloud API did not answer the check of this number; try again',
        503,
        'phoneNumberId',
      );
    throw new AppError(
      MessagingErrorCode.PhoneNumberNotVerified,
      `The access token does not see phone number id ${phoneNumberId} on the Cloud API: ${seen.error.message}`,
      422,
      'phoneNumberId',
    );
  }

  open(channel: ChannelEntity, field: SecretField): string {
    const sealed = channel[field];
    if (!sealed) throw new Error(`channel ${channel.id} has no ${field}`);
    return this.box.open(sealed, aad(channel.workspaceId, channel.id, field));
  }

  seal(workspaceId: string, id: string, field: SecretField, value: string): SealedSecret {
    return this.box.seal(value, aad(workspaceId, id, field));
  }

  async find(workspaceId: string, id: string): Promise<ChannelEntity> {
    const channel = await this.channels.findOneBy({ workspaceId, id });
    if (!channel)
      throw new AppError(MessagingErrorCode.ChannelNotFound, `Channel ${id} not found`, 404, 'id');
    return channel;
  }

  async save(channel: ChannelEntity): Promise<ChannelEntity> {
    try {
      const saved = await this.channels.save(channel);
      await this.changed();
      return saved;
    } catch (error) {
      if (violatedConstraint(error, '23505') === 'UQ_channels_phone_number')
        throw new AppError(
          MessagingErrorCode.PhoneNumberTaken,
          `Phone number id ${channel.phoneNumberId} is already connected`,
          409,
          'phoneNumberId',
        );
      throw error;
    }
  }

  /** Before the admin's answer: this process's caches and, through Redis, every other replica's move on. */
  private async changed(): Promise<void> {
    this.generation++;
    await moveGenerationOn(this.redis, channelsGenerationKey(this.config.QUEUE_PREFIX), this.logger);
  }

  view(channel: ChannelEntity): ChannelView {
    return channelView(channel, this.config.GRAPH_API_VERSION);
  }
}

/** What a channel's sealed secret is bound to: its workspace, channel and field. */
export function aad(workspaceId: string, channelId: string, field: SecretField): string {
  return `flowbridge/${workspaceId}/channel/${channelId}/${field}`;
}
