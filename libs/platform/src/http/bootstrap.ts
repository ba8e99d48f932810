import { type DynamicModule, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { ConfigError, internalKeyOf, type PlatformConfig } from '../config';
import { rowSecurityBypass } from '../database/tenancy';
import { settleWithin, ShutdownState } from '../lifecycle';
import type { Redis } from 'ioredis';
import {
  checkRedisDurability,
  NamespacedRedisServer,
  REDIS,
  RedisDurabilityError,
  redisOptionsFromUrl,
  RPC_RECONNECT,
} from '../redis';
import { configureHttpApp, type HttpAppOptions } from './http-app';
import { type LeanRoute, mountLeanRoutes } from './lean-route';

export interface ServiceDefinition {
  name: string;
  module: Type | DynamicModule;
  config: PlatformConfig;
  port: number;
  host?: string;
  swagger?: HttpAppOptions['swagger'];
  rawBodyRoutes?: HttpAppOptions['rawBodyRoutes'];
  /** Routes answered in front of Express and Nest (`LeanRoute`), from the app's providers. */
  leanRoutes?: (app: NestExpressApplication) => LeanRoute[];
  /** Serve @MessagePattern/@EventPattern handlers over the Redis transport. */
  rpc?: boolean;
}

export async function createServiceApp(definition: ServiceDefinition): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(definition.module, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  configureHttpApp(app, {
    config: definition.config,
    swagger: definition.swagger,
    rawBodyRoutes: definition.rawBodyRoutes,
  });
  mountLeanRoutes(app.getHttpServer(), definition.leanRoutes?.(app) ?? []);
  if (definition.rpc) {
    app.connectMicroservice<MicroserviceOptions>(
      {
        strategy: new NamespacedRedisServer(
          { ...redisOptionsFromUrl(definition.config.REDIS_URL), ...RPC_RECONNECT },
          definition.config.RPC_NAMESPACE,
          internalKeyOf(definition.config),
        ),
      },
      { inheritAppConfig: true },
    );
  }
  return app;
}

/**
 * Workspaces are kept apart by every query's filter and, below that, by Postgres' row-level security, which a
 * superuser or BYPASSRLS role skips: the operator is told, and how to connect instead.
 */
async function warnIfRowSecurityBypassed(dataSource: DataSource, logger: Logger): Promise<void> {
  const bypass = await rowSecurityBypass(dataSource).catch(() => null);
  if (bypass)
    logger.warn(
      `DATABASE_URL connects as ${bypass}: row-level security does not apply to it, so workspaces are kept ` +
        "apart by the services' own filters only. Connect the services as a role of their own (DATABASE_URL) " +
        'and migrate as the owner (DATABASE_MIGRATION_URL); migrating creates the role and grants it the tables.',
    );
}

/**
 * Starts one service and owns its lifetime. On SIGTERM/SIGINT: readiness turns red, the drain delay lets
 * load balancers notice, the listener closes once in-flight requests finish, queues and connections close,
 * and the process exits 0; if that takes longer than SHUTDOWN_TIMEOUT_MS it exits 1.
 */
export async function runService(definition: ServiceDefinition): Promise<NestExpressApplication> {
  const app = await createServiceApp(definition);
  const logger = new Logger('Lifecycle');
  // `refused` may come while the service is still starting (Redis back mid-start): kept until `stop` exists.
  const shutdown: { stopWith?: (code: number) => void; pending?: number } = {};
  await checkRedisDurability(app.get<Redis>(REDIS), definition.config.NODE_ENV, {
    logger: new Logger('Redis'),
    // A Redis that was down at start-up and came back without an append-only file: stop, as at start-up.
    refused: (error) => {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
      if (shutdown.stopWith) shutdown.stopWith(78);
      else shutdown.pending = 78;
    },
  });
  await warnIfRowSecurityBypassed(app.get(DataSource), logger);
  // The RPC server subscribes once Redis answers. HTTP waits for that a little (so the RPC patterns are heard
  // once the service is ready), not for ever: a service started while Redis is down still answers (the webhook
  // 503 at once, readiness red until Redis is back), and subscribes when Redis comes.
  if (definition.rpc)
    await settleWithin(
      app
        .startAllMicroservices()
        .catch((error: unknown) => logger.error({ err: error }, 'RPC server not started')),
      2000,
    );
  await app.listen(definition.port, definition.host ?? '0.0.0.0');
  logger.log({ port: definition.port }, `${definition.name} listening`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals | 'redis-durability', code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const { SHUTDOWN_TIMEOUT_MS, SHUTDOWN_DRAIN_DELAY_MS } = definition.config;
    logger.log({ signal }, 'shutdown started');
    setTimeout(() => {
      logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.get(ShutdownState).begin();
    if (SHUTDOWN_DRAIN_DELAY_MS > 0)
      await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_DRAIN_DELAY_MS));
    try {
      await app.close();
      logger.log('shutdown complete');
      process.exit(code);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  shutdown.stopWith = (code) => void stop('redis-durability', code);
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
  if (shutdown.pending !== undefined) shutdown.stopWith(shutdown.pending);
  return app;
}

/** The entry points' guard: a configuration error is one clear message and exit code 78 (EX_CONFIG). */
export function exitOnStartupError(service: string, error: unknown): never {
  if (error instanceof ConfigError || error instanceof RedisDurabilityError) {
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(78);
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`${service}: failed to start: ${message}\n`);
  process.exit(1);
}
