import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
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

/** Logs once when Redis becomes unreachable and once when it is back, rather than on every retry. */
function reportOutages(client: Redis): void {
  const logger = new Logger('Redis');
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err }, 'Redis unreachable; retrying');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('Redis reachable again');
  });
}

/** One shared client for health checks, caches and locks. Queues open their own connections. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) => {
        const client = new Redis({
          ...redisOptionsFromUrl(config.REDIS_URL),
          // Fail fast while Redis is down rather than queue commands in memory (readiness must say so).
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: 'flowbridge',
        });
        reportOutages(client);
        return client;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
