import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Principal } from './api-keys.service';

export const IS_PUBLIC = 'flowbridge:public';

/** Marks a route that needs no admin key: health, metrics and the WhatsApp webhook only. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Whether the route handling this request is marked @Public() (on its method or its controller). */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) ?? false;
}

/** The workspace of the key that authenticated the request: the only source of a workspace id. */
export const WorkspaceId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const request = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!request.principal) throw new Error('WorkspaceId used on a route without authentication');
  return request.principal.workspaceId;
});
