import { channelsGenerationKey } from '@flowbridge/contracts';
import { GenerationReader, REDIS } from '@flowbridge/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { ChannelsService } from './channels.service';

/** The deployment's channels generation is read at most this often. */
const REMOTE_CHECK_EVERY_MS = 1000;

/** Where the channels stand: this process's generation, and the deployment's (undefined when Redis cannot say). */
export interface ChannelsGeneration {
  local: number;
  remote: string | null | undefined;
}

/**
 * What the caches of channels (WebhookChannels, SendingChannels) compare to know theirs is current: this
 * process's generation, moved on by every change made here, and the deployment's in Redis, moved on by
 * whichever replica changed a channel (`ChannelsService.changed`), read at most once a second.
 */
@Injectable()
export class ChannelGenerations {
  private readonly remote: GenerationReader;

  constructor(
    private readonly channels: ChannelsService,
    private readonly config: WhatsappMessagingConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.remote = new GenerationReader(redis, REMOTE_CHECK_EVERY_MS);
  }

  async current(): Promise<ChannelsGeneration> {
    const local = this.channels.generation;
    return { local, remote: await this.remote.read(channelsGenerationKey(this.config.QUEUE_PREFIX)) };
  }
}
