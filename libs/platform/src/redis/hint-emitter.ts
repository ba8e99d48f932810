import { Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { connectEarly } from './connect-early';

/**
 * Emits cache hints over the Redis transport. A hint only: pub/sub may lose it, so receivers also cache
 * with a short TTL, and it never fails the request that caused it. Shutdown waits for hints in flight.
 */
export class HintEmitter {
  private readonly logger = new Logger(HintEmitter.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly client: ClientProxy) {}

  /** At start-up (see connectEarly). */
  connect(): void {
    connectEarly(this.client, this.logger);
  }

  emit(pattern: string, payload: object, context: Record<string, unknown> = {}): void {
    const sent = firstValueFrom(this.client.emit(pattern, payload).pipe(timeout(2000)))
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err, pattern, ...context }, 'event not published'));
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.client.close();
  }
}
