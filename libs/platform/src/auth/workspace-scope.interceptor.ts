import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { Tenancy } from '../database/tenancy';
import type { Principal } from './api-keys.service';

/**
 * Runs each handler in its caller's workspace, so that Postgres shows it that workspace's rows only: an HTTP
 * request in the workspace of its API key, an RPC in the `workspaceId` its payload names. A handler with
 * neither (a public route) runs in no workspace and sees no rows unless it asks for more (Tenancy).
 */
@Injectable()
export class WorkspaceScopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const workspaceId = workspaceOf(context);
    // Nest binds the handler's async context when `handle()` is called, so it runs inside this scope.
    return workspaceId ? Tenancy.forWorkspace(workspaceId, () => next.handle()) : next.handle();
  }
}

function workspaceOf(context: ExecutionContext): string | undefined {
  if (context.getType() === 'http')
    return context.switchToHttp().getRequest<{ principal?: Principal }>().principal?.workspaceId;
  if (context.getType() === 'rpc') {
    const data: unknown = context.switchToRpc().getData();
    const workspaceId = (data as { workspaceId?: unknown } | null)?.workspaceId;
    return typeof workspaceId === 'string' && workspaceId.length > 0 ? workspaceId : undefined;
  }
  return undefined;
}
