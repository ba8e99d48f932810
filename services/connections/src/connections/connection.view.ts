import type { AuthType, RetryPolicy } from '@flowbridge/contracts';
import { maskSecret } from '@flowbridge/platform';
import type { ConnectionEntity, SealedMap } from './connection.entity';

export interface ConnectionView {
  id: string;
  title: string;
  baseUrl: string;
  auth: { type: AuthType } & Record<string, string | null>;
  headers: Record<string, string>;
  timeoutMs: number;
  retry: RetryPolicy;
  rateLimit: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** Plain headers as they are, secret ones masked. */
export function headersView(plain: Record<string, string>, secret: SealedMap): Record<string, string> {
  const out: Record<string, string> = { ...plain };
  for (const [name, sealed] of Object.entries(secret)) out[name] = maskSecret(sealed) ?? '';
  return out;
}

export function connectionView(entity: ConnectionEntity): ConnectionView {
  const auth: ConnectionView['auth'] = { type: entity.authType };
  for (const [key, value] of Object.entries(entity.authSettings) as Array<[string, string | undefined]>) {
    if (value !== undefined) auth[key] = value;
  }
  for (const [key, sealed] of Object.entries(entity.authSecrets)) auth[key] = maskSecret(sealed);
  return {
    id: entity.id,
    title: entity.title,
    baseUrl: entity.baseUrl,
    auth,
    headers: headersView(entity.headers, entity.secretHeaders),
    timeoutMs: entity.timeoutMs,
    retry: entity.retry,
    rateLimit: entity.rateLimit,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
  };
}
