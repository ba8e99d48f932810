import type { HttpMethod, JsonValue, RetryPolicy, SuccessWhen } from '@flowbridge/contracts';
import { headersView } from '../connections/connection.view';
import type { ApiEntity } from './api.entity';

export interface ApiView {
  id: string;
  name: string;
  connectionId: string;
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: JsonValue | null;
  successWhen: SuccessWhen;
  responseMapping: Record<string, string>;
  idempotencyKey: boolean | null;
  timeoutMs: number | null;
  retry: RetryPolicy | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function apiView(entity: ApiEntity): ApiView {
  return {
    id: entity.id,
    name: entity.name,
    connectionId: entity.connectionId,
    method: entity.method,
    path: entity.path,
    query: entity.query,
    headers: headersView(entity.headers, entity.secretHeaders),
    body: (entity.body ?? null) as JsonValue | null,
    successWhen: entity.successWhen,
    responseMapping: entity.responseMapping,
    idempotencyKey: entity.idempotencyKey,
    timeoutMs: entity.timeoutMs,
    retry: entity.retry,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
  };
}
