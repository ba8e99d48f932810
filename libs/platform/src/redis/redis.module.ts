import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { PlatformConfig } from '../config';
import { redisOptionsFromUrl } from './redis-options';

export const REDIS = Symbol('REDIS');

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One shared client for health checks, caches and locks. Queues open their own connections. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) =>
        new Redis({
          ...redisOptionsFromUrl(config.REDIS_URL),
          // Fail fast while Redis is down rather than queue commands in memory (readiness must say so).
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: 'flowbridge',
        }),
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
