import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { firstValueFrom, timeout } from 'rxjs';
import { moveGenerationOn } from './cache-generation';
import { connectEarly } from './connect-early';
import { REDIS } from './redis.module';

/** The Redis-transport client a service's hints go out on (ClientsModule, under this name). */
export const EVENTS_CLIENT = Symbol('EVENTS_CLIENT');

/**
 * Signals a change to what other services cache: the change's generation moves on in Redis (what readers
 * check), then a hint goes out over the Redis transport. A hint only: pub/sub may lose it, so receivers also
 * cache with a short TTL, and it never fails the request that caused it. Shutdown waits for hints in flight.
 */
@Injectable()
export class HintEmitter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HintEmitter.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @Inject(EVENTS_CLIENT) private readonly client: ClientProxy,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** At start-up (see connectEarly). */
  onApplicationBootstrap(): void {
    connectEarly(this.client, this.logger);
  }

  /**
   * Something readers cache changed: its generation (`generationKey`) moves on first, so that a read made after
   * the caller answers sees the change; then the hint goes out.
   */
  async changed(
    generationKey: string,
    pattern: string,
    payload: object,
    context: Record<string, unknown> = {},
  ): Promise<void> {
    await moveGenerationOn(this.redis, generationKey, this.logger, context);
    this.emit(pattern, payload, context);
  }

  private emit(pattern: string, payload: object, context: Record<string, unknown>): void {
    const sent = firstValueFrom(this.client.emit(pattern, payload).pipe(timeout(2000)))
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err, pattern, ...context }, 'event not published'));
    this.pending.add(sent);
    void sent.finally(() => this.pending.delete(sent));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.client.close();
  }
}
