// Shapes shared between the connections service and its callers (the worker, the request engine).

export const AUTH_TYPES = ['none', 'bearer', 'basic', 'api_key', 'oauth2_client_credentials'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type ResolvedAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'api_key'; name: string; value: string; in: 'header' | 'query' }
  | {
      type: 'oauth2_client_credentials';
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
      audience?: string;
    };

export interface RetryPolicy {
  attempts: number;
  backoff: 'exponential' | 'fixed';
  delayMs: number;
  maxDelayMs: number;
}

/** Status codes (`200`) or ranges (`"2xx"`, `"200-299"`) that count as success, plus an optional body condition. */
export interface SuccessWhen {
  status: Array<number | string>;
  body?: { path: string; operator: 'is' | 'is_not' | 'exists' | 'not_exists'; value?: string };
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ResolvedConnection {
  id: string;
  workspaceId: string;
  title: string;
  baseUrl: string;
  auth: ResolvedAuth;
  /** Default headers, secret ones decrypted. */
  headers: Record<string, string>;
  /** Names of the headers above whose values are secret (masked in the call log). */
  secretHeaders: string[];
  timeoutMs: number;
  retry: RetryPolicy;
  rateLimit: number | null;
  updatedAt: string;
}

export interface ResolvedApi {
  id: string;
  workspaceId: string;
  name: string;
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Names of the headers above whose values are secret (masked in the call log). */
  secretHeaders: string[];
  body: JsonValue | null;
  successWhen: SuccessWhen;
  responseMapping: Record<string, string>;
  /** Send an `Idempotency-Key` (effective value: the API's choice, else on for every method but GET and HEAD). */
  idempotencyKey: boolean;
  /** Effective values: the API's override, else the connection's. */
  timeoutMs: number;
  retry: RetryPolicy;
  updatedAt: string;
}

export interface ConnectionsResolveRequest {
  workspaceId: string;
  apiId: string;
}

export type ConnectionsResolveResponse =
  | { ok: true; api: ResolvedApi; connection: ResolvedConnection }
  | { ok: false; code: 'API_NOT_FOUND' | 'INVALID_REQUEST' | 'DECRYPTION_FAILED'; message: string };

/**
 * The Redis key whose value changes whenever one of a workspace's connections or APIs is created, changed or
 * deleted. The connections service moves it on before it answers the admin; a worker's resolved APIs (with
 * their secrets) are good while the value they were resolved under still holds.
 */
export function connectionsGenerationKey(queuePrefix: string, workspaceId: string): string {
  return `${queuePrefix}:flowbridge:connections-generation:${workspaceId}`;
}

export interface ConnectionChangedEvent {
  workspaceId: string;
  connectionId: string;
  /** Set when the change concerns one API of the connection. */
  apiId?: string;
  change: 'created' | 'updated' | 'deleted';
  at: string;
}

/** What flow validation needs to know about the APIs a flow calls (no secrets). */
export interface ConnectionsCheckApisRequest {
  workspaceId: string;
  apiIds: string[];
}

export type ApiCheckResult =
  | {
      ok: true;
      name: string;
      connectionId: string;
      /** Variables the API's response mapping sets. */
      mappedVariables: string[];
      /** The API's templated texts (path, query, non-secret headers, body strings): the variables they read. */
      templates: string[];
    }
  | { ok: false; code: 'UNKNOWN_API' | 'API_URL_REFUSED'; message: string };

export type ConnectionsCheckApisResponse =
  | { ok: true; apis: Record<string, ApiCheckResult> }
  | { ok: false; code: 'INVALID_REQUEST'; message: string };
