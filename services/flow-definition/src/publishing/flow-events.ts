import { EventPattern, type FlowPublishedEvent } from '@flowbridge/contracts';
import { HintEmitter } from '@flowbridge/platform';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/** `flow.published`: a cache hint for whoever caches trigger matches (versions never change). */
@Injectable()
export class FlowEvents implements OnApplicationShutdown {
  private readonly hints: HintEmitter;

  constructor(@Inject(EVENTS_CLIENT) client: ClientProxy) {
    this.hints = new HintEmitter(client);
  }

  publish(event: Omit<FlowPublishedEvent, 'at'>): void {
    this.hints.emit(
      EventPattern.FlowPublished,
      { ...event, at: new Date().toISOString() },
      { flowId: event.flowId },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.hints.close();
  }
}
