import { type ConnectionChangedEvent, EventPattern } from '@flowbridge/contracts';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';

export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/**
 * Publishes `connection.changed` so that callers drop cached resolutions early. A hint only: it goes
 * over Redis pub/sub, may be lost, and callers cache with a short TTL too. It never fails a request.
 */
@Injectable()
export class ChangeEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(ChangeEvents.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(@Inject(EVENTS_CLIENT) private readonly client: ClientProxy) {}

  publish(event: Omit<ConnectionChangedEvent, 'at'>): void {
    const sent = firstValueFrom(
      this.client
        .emit(EventPattern.ConnectionChanged, { ...event, at: new Date().toISOString() })
        .pipe(timeout(2000)),
    )
      .then(() => undefined)
      .catch((err: unknown) =>
        this.logger.warn({ err, connectionId: event.connectionId }, 'connection.changed not published'),
      );
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.client.close();
  }
}
