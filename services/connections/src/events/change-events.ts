import { type ConnectionChangedEvent, EventPattern } from '@flowbridge/contracts';
import { HintEmitter } from '@flowbridge/platform';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/** Publishes `connection.changed` so that callers drop cached resolutions early (a hint; see HintEmitter). */
@Injectable()
export class ChangeEvents implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly hints: HintEmitter;

  constructor(@Inject(EVENTS_CLIENT) client: ClientProxy) {
    this.hints = new HintEmitter(client);
  }

  onApplicationBootstrap(): void {
    this.hints.connect();
  }

  publish(event: Omit<ConnectionChangedEvent, 'at'>): void {
    this.hints.emit(
      EventPattern.ConnectionChanged,
      { ...event, at: new Date().toISOString() },
      { connectionId: event.connectionId },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.hints.close();
  }
}
