import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Public } from '../auth/public.decorator';
import { AppError, CommonErrorCode } from '../errors';
import { ShutdownState } from '../lifecycle';
import { REDIS } from '../redis';

const CHECK_TIMEOUT_MS = 1500;

@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to take work: its dependencies answer and it is not shutting down. */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, string> }> {
    if (this.shutdown.draining) {
      throw new AppError(CommonErrorCode.ServiceUnavailable, 'Not ready: shutting down', 503);
    }
    try {
      const result = await this.health.check([
        () => this.db.pingCheck('postgres', { timeout: CHECK_TIMEOUT_MS }),
        () => this.redisCheck(),
      ]);
      return { status: 'ok', checks: Object.fromEntries(Object.keys(result.details).map((k) => [k, 'up'])) };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const body = error.getResponse() as { error?: Record<string, unknown> };
      const down = Object.keys(body.error ?? {});
      throw new AppError(
        CommonErrorCode.ServiceUnavailable,
        `Not ready: ${down.join(', ') || 'a dependency'} down`,
        503,
      );
    }
  }

  private async redisCheck(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref(),
        ),
      ]);
      return pong === 'PONG' ? indicator.up() : indicator.down({ reply: pong });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : 'unreachable' });
    }
  }
}
