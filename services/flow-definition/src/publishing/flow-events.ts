import { EventPattern, type FlowPublishedEvent, flowsGenerationKey } from '@flowbridge/contracts';
import { HintEmitter, PlatformConfig, REDIS } from '@flowbridge/platform';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/**
 * A workspace's active flows changed. Before the admin gets the answer, the workspace's flows generation in
 * Redis moves on (workers check it before using their cached triggers, so the next message sees the change);
 * `flow.published` follows as a hint.
 */
@Injectable()
export class FlowEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly hints: HintEmitter;

  constructor(
    @Inject(EVENTS_CLIENT) client: ClientProxy,
    @Inject(REDIS) redis: Redis,
    private readonly config: PlatformConfig,
  ) {
    this.hints = new HintEmitter(client, redis);
  }

  onApplicationBootstrap(): void {
    this.hints.connect();
  }

  async publish(event: Omit<FlowPublishedEvent, 'at'>): Promise<void> {
    await this.hints.changed(
      flowsGenerationKey(this.config.QUEUE_PREFIX, event.workspaceId),
      EventPattern.FlowPublished,
      { ...event, at: new Date().toISOString() },
      { flowId: event.flowId },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.hints.close();
  }
}
