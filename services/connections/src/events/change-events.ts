import { type ConnectionChangedEvent, connectionsGenerationKey, EventPattern } from '@flowbridge/contracts';
import { HintEmitter, PlatformConfig, REDIS } from '@flowbridge/platform';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/**
 * A workspace's connection or API changed. Before the admin gets the answer, the workspace's connections
 * generation in Redis moves on (workers check it, at most a second old, before using an API they resolved);
 * `connection.changed` follows as a hint (see HintEmitter).
 */
@Injectable()
export class ChangeEvents implements OnApplicationBootstrap, OnApplicationShutdown {
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

  async publish(event: Omit<ConnectionChangedEvent, 'at'>): Promise<void> {
    await this.hints.changed(
      connectionsGenerationKey(this.config.QUEUE_PREFIX, event.workspaceId),
      EventPattern.ConnectionChanged,
      { ...event, at: new Date().toISOString() },
      { connectionId: event.connectionId },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.hints.close();
  }
}
