import { EventPattern, type FlowPublishedEvent, flowsGenerationKey } from '@flowbridge/contracts';
import { HintEmitter, PlatformConfig } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';

/**
 * A workspace's active flows changed. Before the admin gets the answer, the workspace's flows generation in
 * Redis moves on (workers check it before using their cached triggers, so the next message sees the change);
 * `flow.published` follows as a hint (see HintEmitter).
 */
@Injectable()
export class FlowEvents {
  constructor(
    private readonly hints: HintEmitter,
    private readonly config: PlatformConfig,
  ) {}

  async publish(event: Omit<FlowPublishedEvent, 'at'>): Promise<void> {
    await this.hints.changed(
      flowsGenerationKey(this.config.QUEUE_PREFIX, event.workspaceId),
      EventPattern.FlowPublished,
      { ...event, at: new Date().toISOString() },
      { flowId: event.flowId },
    );
  }
}
