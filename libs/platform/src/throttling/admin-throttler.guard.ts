import { createHash } from 'node:crypto';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { IS_PUBLIC } from '../auth/public.decorator';

/**
 * The admin API's rate limit (ADMIN_RATE_LIMIT_PER_MINUTE), counted per API key: one tenant flooding the API
 * gets 429 with Retry-After, the others are not slowed. Public routes (webhooks, health, metrics, docs) are
 * not counted: Meta's deliveries must never be refused by it.
 */
@Injectable()
export class AdminThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) ??
      false
    );
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as Request;
    const auth = req.headers.authorization;
    const key =
      (typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '') : undefined) ?? req.headers['x-api-key'];
    // The key's hash, not the key: limiter keys are visible to whoever can read Redis.
    return Promise.resolve(
      typeof key === 'string' && key.length > 0
        ? `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`
        : `ip:${req.ip ?? 'unknown'}`,
    );
  }
}
