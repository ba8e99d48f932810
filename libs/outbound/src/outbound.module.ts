import { PlatformConfig, REDIS } from '@flowbridge/platform';
import { type DynamicModule, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { parseAllowList } from './allow-list';
import type { OutboundConfig } from './config';
import { RequestEngine } from './engine';
import type { RequestEngineOptions } from './engine-types';

export function engineFromConfig(
  config: OutboundConfig,
  redis: Redis,
  overrides: Partial<RequestEngineOptions> = {},
): RequestEngine {
  return new RequestEngine({
    allowList: parseAllowList(config.OUTBOUND_ALLOW_HOSTS),
    redis,
    maxResponseBytes: config.OUTBOUND_MAX_RESPONSE_BYTES,
    deadlineMs: config.OUTBOUND_DEADLINE_MS,
    breaker: {
      threshold: config.OUTBOUND_BREAKER_THRESHOLD,
      coolDownMs: config.OUTBOUND_BREAKER_COOLDOWN_MS,
    },
    ...overrides,
  });
}

@Injectable()
class EngineLifecycle implements OnApplicationShutdown {
  constructor(private readonly engine: RequestEngine) {}

  onApplicationShutdown(): void {
    this.engine.close();
  }
}

/** Provides the request engine, built from the service's OutboundConfig and the platform's Redis. */
@Module({})
export class OutboundModule {
  static forRoot(overrides: Partial<RequestEngineOptions> = {}): DynamicModule {
    return {
      module: OutboundModule,
      providers: [
        {
          provide: RequestEngine,
          inject: [PlatformConfig, REDIS],
          useFactory: (config: OutboundConfig, redis: Redis) => engineFromConfig(config, redis, overrides),
        },
        EngineLifecycle,
      ],
      exports: [RequestEngine],
    };
  }
}
