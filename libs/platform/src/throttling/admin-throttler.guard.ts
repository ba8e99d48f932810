import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
  ThrottlerStorage,
  InjectThrottlerOptions,
  InjectThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/api-key.guard';
import { ApiKeysService } from '../auth/api-keys.service';
import { isPublicRoute } from '../auth/public.decorator';

/** The two limits: a workspace's (any of its keys), and a client address's that shows no valid key. */
export const WORKSPACE_THROTTLER = 'workspace';
export const ANONYMOUS_THROTTLER = 'anonymous';

/**
 * The admin API's rate limits, counted in Redis across replicas. A request with a valid key counts against
 * its workspace (ADMIN_RATE_LIMIT_PER_MINUTE, whichever of its keys it uses): one tenant flooding the API
 * gets 429 with Retry-After, the others are not slowed. A request without one, or with a made-up one,
 * counts against its client address (ADMIN_ANONYMOUS_RATE_LIMIT_PER_MINUTE), so fresh garbage keys open no
 * fresh buckets. Public routes (webhooks, health, metrics, docs) are not counted: Meta's deliveries must
 * never be refused by it.
 */
@Injectable()
export class AdminThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return isPublicRoute(this.reflector, context);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const request = props.context.switchToHttp().getRequest<Request>();
    const principal = await principalOf(request, this.keys);
    const applies = props.throttler.name === (principal ? WORKSPACE_THROTTLER : ANONYMOUS_THROTTLER);
    return applies ? super.handleRequest(props) : true;
  }

  /** Retry-After under its standard name, whichever limit was reached (throttler names it per limit). */
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', detail.timeToBlockExpire);
    return super.throwThrottlingException(context, detail);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as Request;
    const principal = await principalOf(req, this.keys);
    // req.ip honours TRUST_PROXY (see configureHttpApp): behind a proxy, the client's address.
    return principal ? `ws:${principal.workspaceId}` : `ip:${req.ip ?? 'unknown'}`;
  }
}
