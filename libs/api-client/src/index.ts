import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { type components, type paths, SERVICE_OF_PATH } from './schema';

export type { components, paths } from './schema';
export { SERVICE_OF_PATH } from './schema';
export type Schemas = components['schemas'];

/** The service a path belongs to (the document's `x-flowbridge-service`). */
export type AdminService = (typeof SERVICE_OF_PATH)[keyof typeof SERVICE_OF_PATH];

export interface AdminClientOptions {
  /** An admin API key: the client acts in its workspace. */
  adminKey: string;
  /**
   * Where the admin API is: one origin that serves every path (the console), or each service's own
   * (`npm start`'s four ports).
   */
  baseUrl: string | Record<AdminService, string>;
  /** A fetch of one's own (tests pass one that records); the global fetch otherwise. */
  fetch?: typeof globalThis.fetch;
}

export type AdminClient = Client<paths>;

/**
 * A typed client of the whole admin API, generated from docs/openapi/admin-api.json (openapi-fetch over the
 * types openapi-typescript made): every path, body and answer typed, errors as `{ code, message, field? }`.
 *
 *   const api = createAdminClient({ adminKey, baseUrl: 'http://127.0.0.1:8080' });
 *   const created = must(await api.POST('/connections', { body: { title: 'Customer API', baseUrl } }));
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const single = typeof options.baseUrl === 'string' ? options.baseUrl : undefined;
  const client = createClient<paths>({
    baseUrl: single ?? 'http://admin.invalid',
    headers: { authorization: `Bearer ${options.adminKey}` },
    fetch: options.fetch,
  });
  if (typeof options.baseUrl !== 'string') client.use(routeToService(options.baseUrl));
  return client;
}

/** Sends each request to the service that serves its path. */
function routeToService(origins: Record<AdminService, string>): Middleware {
  return {
    onRequest({ request, schemaPath }) {
      const service = SERVICE_OF_PATH[schemaPath as keyof typeof SERVICE_OF_PATH];
      const url = new URL(request.url);
      const target = new URL(`${url.pathname}${url.search}`, origins[service]);
      return new Request(target, request);
    },
  };
}

/** An answer that was an error: its stable code, its message, the field it is about. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** The whole error body (a refused publish carries its `problems`). */
    readonly body?: unknown,
  ) {
    super(`${status} ${code}: ${message}${field ? ` (${field})` : ''}`);
    this.name = 'AdminApiError';
  }
}

/** The answer's data, or an AdminApiError with the error's code, message and field. */
export function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error === undefined && result.response.ok) return result.data as T;
  const body = (result.error ?? {}) as { code?: unknown; message?: unknown; field?: unknown };
  throw new AdminApiError(
    result.response.status,
    typeof body.code === 'string' ? body.code : 'HTTP_ERROR',
    typeof body.message === 'string' ? body.message : result.response.statusText,
    typeof body.field === 'string' ? body.field : undefined,
    result.error,
  );
}
