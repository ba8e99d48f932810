import { type ConnectionChangedEvent, connectionsGenerationKey, EventPattern } from '@flowbridge/contracts';
import { HintEmitter, PlatformConfig } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';

/**
 * A workspace's connection or API changed. Before the admin gets the answer, the workspace's connections
 * generation in Redis moves on (workers check it, at most a second old, before using an API they resolved);
 * `connection.changed` follows as a hint (see HintEmitter).
 */
@Injectable()
export class ChangeEvents {
  constructor(
    private readonly hints: HintEmitter,
    private readonly config: PlatformConfig,
  ) {}

  async publish(event: Omit<ConnectionChangedEvent, 'at'>): Promise<void> {
    await this.hints.changed(
      connectionsGenerationKey(this.config.QUEUE_PREFIX, event.workspaceId),
      EventPattern.ConnectionChanged,
      { ...event, at: new Date().toISOString() },
      { connectionId: event.connectionId },
    );
  }
}
