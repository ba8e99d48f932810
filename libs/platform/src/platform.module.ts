import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { DestinationStream } from 'pino';
import { register } from 'prom-client';
import { ApiKeyEntity, AuthModule } from './auth';
import { PlatformConfig } from './config';
import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions, scopedDataSource } from './database';
import { HealthController } from './health';
import { ShutdownState } from './lifecycle';
import { LoggingModule } from './logging';
import { MetricsController } from './metrics';
import { REDIS, RedisModule } from './redis';
import { TracingModule } from './tracing';
import {
  AdminThrottlerGuard,
  ANONYMOUS_THROTTLER,
  RedisThrottlerStorage,
  WORKSPACE_THROTTLER,
} from './throttling';

/**
 * How often `nodejs_eventloop_lag_*` samples the event loop's delay. prom-client's default, 10 ms, wakes every
 * process 100 times a second: ~7 ms of CPU a second per idle process, most of what a service at rest costs.
 * At 100 ms a block of 100 ms or more is always seen, and the gauges stay what an alert on a stuck loop needs.
 */
export const EVENT_LOOP_LAG_RESOLUTION_MS = 100;

export interface PlatformOptions<C extends PlatformConfig> {
  service: string;
  /** The validated configuration; also provided under its own class, for the service's code. */
  config: C;
  /** The Postgres schema this service owns. */
  schema: string;
  entities?: Array<new () => unknown>;
  logDestination?: DestinationStream;
}

/** What every service stands on: config, logs, Postgres, Redis, admin keys, health, metrics, shutdown. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<C extends PlatformConfig>(options: PlatformOptions<C>): DynamicModule {
    const configProviders = [{ provide: PlatformConfig, useValue: options.config }];
    if (options.config.constructor !== PlatformConfig) {
      configProviders.push({
        provide: options.config.constructor as typeof PlatformConfig,
        useValue: options.config,
      });
    }
    return {
      module: PlatformModule,
      imports: [
        LoggingModule.forRoot({
          service: options.service,
          config: options.config,
          destination: options.logDestination,
        }),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(options.config, {
              service: options.service,
              schema: options.schema,
              entities: [ApiKeyEntity, ...(options.entities ?? [])],
            }),
            // Start-up fails fast when Postgres is unreachable; the orchestrator restarts the process.
            retryAttempts: 3,
            retryDelay: 1000,
          }),
          dataSourceFactory: (dataSourceOptions) => scopedDataSource(dataSourceOptions as DataSourceOptions),
        }),
        TracingModule.forRoot(options.service, options.config),
        TerminusModule.forRoot({ logger: false }),
        PrometheusModule.register({
          controller: MetricsController,
          path: '/metrics',
          defaultLabels: { service: options.service },
          // Process metrics live in the global registry once per process; a second app in the same
          // process (tests, or `npm start` in one process) must not register them again.
          defaultMetrics: {
            enabled: register.getSingleMetric('process_cpu_user_seconds_total') === undefined,
            config: { eventLoopMonitoringPrecision: EVENT_LOOP_LAG_RESOLUTION_MS },
          },
        }),
        RedisModule,
        AuthModule,
        ThrottlerModule.forRootAsync({
          imports: [RedisModule],
          inject: [REDIS],
          useFactory: (redis: Redis) => ({
            throttlers: [
              { name: WORKSPACE_THROTTLER, ttl: 60_000, limit: options.config.ADMIN_RATE_LIMIT_PER_MINUTE },
              {
                name: ANONYMOUS_THROTTLER,
                ttl: 60_000,
                limit: options.config.ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE,
              },
            ],
            storage: new RedisThrottlerStorage(redis, options.config.QUEUE_PREFIX),
          }),
        }),
      ],
      controllers: [HealthController],
      providers: [...configProviders, ShutdownState, { provide: APP_GUARD, useClass: AdminThrottlerGuard }],
      exports: [...configProviders.map((p) => p.provide), ShutdownState, AuthModule],
    };
  }
}
