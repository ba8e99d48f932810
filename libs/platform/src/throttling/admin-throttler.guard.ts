import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { extractKey } from '../auth/api-key.guard';
import { hashApiKey } from '../auth/api-keys.service';
import { isPublicRoute } from '../auth/public.decorator';

/**
 * The admin API's rate limit (ADMIN_RATE_LIMIT_PER_MINUTE), counted per API key: one tenant flooding the API
 * gets 429 with Retry-After, the others are not slowed. Public routes (webhooks, health, metrics, docs) are
 * not counted: Meta's deliveries must never be refused by it.
 */
@Injectable()
export class AdminThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return isPublicRoute(this.reflector, context);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as Request;
    const key = extractKey(req);
    // The key's hash (as stored), not the key: limiter keys are visible to whoever can read Redis.
    return Promise.resolve(key ? `key:${hashApiKey(key)}` : `ip:${req.ip ?? 'unknown'}`);
  }
}
