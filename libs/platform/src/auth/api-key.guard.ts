import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError, CommonErrorCode } from '../errors';
import { ApiKeysService, type Principal } from './api-keys.service';
import { isPublicRoute } from './public.decorator';

/** Global guard: every HTTP route needs a workspace key unless it is marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (isPublicRoute(this.reflector, context)) return true;

    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const key = extractKey(request);
    if (!key) {
      throw new AppError(
        CommonErrorCode.Unauthorized,
        'An admin API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        401,
      );
    }
    const principal = await principalOf(request, this.keys);
    if (!principal)
      throw new AppError(CommonErrorCode.Unauthorized, 'The API key is invalid or revoked', 401);
    request.principal = principal;
    return true;
  }
}

/** The API key a request carries (Authorization: Bearer, or X-API-Key), if it has a well-formed one. */
export function extractKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header.trim());
    if (match) return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 && apiKey.length <= 200 ? apiKey : undefined;
}

const verified = new WeakMap<Request, Promise<Principal | null>>();

/**
 * The workspace a request's key opens (null: no key, or not a valid one), verified once per request
 * whichever of the key guard and the rate limiter asks first.
 */
export function principalOf(request: Request, keys: ApiKeysService): Promise<Principal | null> {
  let found = verified.get(request);
  if (!found) {
    const key = extractKey(request);
    found = key ? keys.verify(key) : Promise.resolve(null);
    verified.set(request, found);
  }
  return found;
}
