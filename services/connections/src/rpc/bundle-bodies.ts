import type { BundleApi, BundleConnection, ImportProblem } from '@flowbridge/contracts';
import type { ApiEntity } from '../apis/api.entity';
import type { ConnectionEntity } from '../connections/connection.entity';

/**
 * How a flow's APIs and connections become a bundle (their settings and the names of the secrets they need, never
 * a secret) and how a bundle's entries become create bodies of the connections and APIs routes again, with the
 * secrets the importer gave put where they go (`auth.<field>`, `headers.<name>`).
 */

export function bundleConnection(c: ConnectionEntity): BundleConnection {
  return {
    title: c.title,
    baseUrl: c.baseUrl,
    auth: { type: c.authType, ...withoutUndefined(c.authSettings as Record<string, string | undefined>) },
    headers: c.headers,
    timeoutMs: c.timeoutMs,
    retry: c.retry,
    rateLimit: c.rateLimit,
    requiredSecrets: [
      ...Object.keys(c.authSecrets).map((k) => `auth.${k}`),
      ...Object.keys(c.secretHeaders).map((h) => `headers.${h}`),
    ],
  };
}

export function bundleApi(a: ApiEntity, connection: string): BundleApi {
  return {
    id: a.id,
    name: a.name,
    connection,
    method: a.method,
    path: a.path,
    query: a.query,
    headers: a.headers,
    body: a.body ?? null,
    successWhen: a.successWhen,
    responseMapping: a.responseMapping,
    idempotencyKey: a.idempotencyKey,
    timeoutMs: a.timeoutMs,
    retry: a.retry,
    requiredSecrets: Object.keys(a.secretHeaders).map((h) => `headers.${h}`),
  };
}

/** A create body of the connections API: the bundle's settings, the given secrets where they go. */
export function connectionBody(c: BundleConnection, secrets: Record<string, string>): object {
  const auth: Record<string, string> = { ...c.auth };
  for (const [path, value] of Object.entries(secrets))
    if (path.startsWith('auth.')) auth[path.slice(5)] = value;
  return {
    title: c.title,
    baseUrl: c.baseUrl,
    auth,
    headers: { ...c.headers, ...secretHeaders(secrets) },
    timeoutMs: c.timeoutMs,
    retry: c.retry,
    rateLimit: c.rateLimit,
  };
}

export function apiBody(a: BundleApi, secrets: Record<string, string>): object {
  return {
    name: a.name,
    method: a.method,
    path: a.path,
    query: a.query,
    headers: { ...a.headers, ...secretHeaders(secrets) },
    body: a.body,
    successWhen: a.successWhen,
    responseMapping: a.responseMapping,
    idempotencyKey: a.idempotencyKey,
    timeoutMs: a.timeoutMs,
    retry: a.retry,
  };
}

function secretHeaders(secrets: Record<string, string>): Record<string, { secret: string }> {
  return Object.fromEntries(
    Object.entries(secrets)
      .filter(([path]) => path.startsWith('headers.'))
      .map(([path, value]) => [path.slice('headers.'.length), { secret: value }]),
  );
}

export function missingSecrets(
  required: string[],
  given: Record<string, string>,
  field: string,
): ImportProblem[] {
  return required
    .filter((path) => !given[path])
    .map((path) => ({
      code: 'SECRET_REQUIRED' as const,
      message: `${path} is not exported: give it to create this here`,
      field: `${field}.${path}`,
    }));
}

function withoutUndefined(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined));
}
