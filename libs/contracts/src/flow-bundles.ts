import { z } from 'zod';
import { AUTH_TYPES, HTTP_METHODS } from './connections';

/**
 * A flow that moves between environments (`GET /flows/:id/export`, `POST /flows/import`): the flow's document
 * and the APIs and connections it calls, by name. No secret travels: each entry names the secrets it needs
 * (`requiredSecrets`), given on import only when the connection or API has to be created there.
 */
export const FLOW_BUNDLE_FORMAT = 'flowbridge.flow-bundle/1';

const name = z.string().min(1).max(200);
const strings = z.record(z.string(), z.string());
const retry = z.strictObject({
  attempts: z.number().int().min(0).max(10),
  backoff: z.enum(['exponential', 'fixed']),
  delayMs: z.number().int().min(0),
  maxDelayMs: z.number().int().min(0),
});

/**
 * Where a secret goes: `auth.<field>` (token, password, value, clientSecret) or `headers.<name>`. The same
 * path names it in the import's `secrets`.
 */
const secretPath = z.string().regex(/^(auth\.[A-Za-z]+|headers\.[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/);

export const bundleConnectionSchema = z.strictObject({
  title: name,
  baseUrl: z.string().min(1).max(2048),
  /** Its type and settings, no secret. */
  auth: z.object({ type: z.enum(AUTH_TYPES) }).catchall(z.string()),
  /** Plain headers; secret ones are in requiredSecrets. */
  headers: strings,
  timeoutMs: z.number().int(),
  retry,
  rateLimit: z.number().nullable(),
  requiredSecrets: z.array(secretPath).max(50),
});
export type BundleConnection = z.infer<typeof bundleConnectionSchema>;

export const bundleApiSchema = z.strictObject({
  /** Its id where it was exported: the flow document names it so; import points it at the new one. */
  id: z.string().min(1).max(100),
  name,
  /** The title of its connection (in `connections`). */
  connection: name,
  method: z.enum(HTTP_METHODS),
  path: z.string().max(2048),
  query: strings,
  headers: strings,
  body: z.unknown(),
  successWhen: z.unknown(),
  responseMapping: strings,
  idempotencyKey: z.boolean().nullable(),
  timeoutMs: z.number().int().nullable(),
  retry: retry.nullable(),
  requiredSecrets: z.array(secretPath).max(50),
});
export type BundleApi = z.infer<typeof bundleApiSchema>;

export const flowBundleSchema = z.strictObject({
  format: z.literal(FLOW_BUNDLE_FORMAT),
  exportedAt: z.string(),
  /** Where it came from: the flow, and the version (null: its draft). */
  source: z.strictObject({ flowId: z.string(), version: z.number().int().nullable() }),
  flow: z.strictObject({ name, document: z.record(z.string(), z.unknown()) }),
  connections: z.array(bundleConnectionSchema).max(50),
  apis: z.array(bundleApiSchema).max(200),
});
export type FlowBundle = z.infer<typeof flowBundleSchema>;

/** The secrets an import gives, by connection title / API name, then by secret path (`auth.token`…). */
export const importSecretsSchema = z.strictObject({
  connections: z.record(z.string(), z.record(secretPath, z.string().min(1).max(4096))).optional(),
  apis: z.record(z.string(), z.record(secretPath, z.string().min(1).max(4096))).optional(),
});
export type ImportSecrets = z.infer<typeof importSecretsSchema>;

/** One reason an import is refused; all of them are listed at once. */
export interface ImportProblem {
  code:
    | 'SECRET_REQUIRED'
    | 'CONNECTION_REFUSED'
    | 'API_REFUSED'
    | 'API_NOT_IN_BUNDLE'
    | 'CONNECTION_NOT_IN_BUNDLE'
    | 'API_ON_OTHER_CONNECTION'
    | 'FLOW_NAME_TAKEN'
    | 'CHANNEL_NOT_FOUND'
    | 'INVALID_BUNDLE';
  message: string;
  /** Where: `secrets.connections["Customer API"].auth.token`, `bundle.apis[0].path`… */
  field: string;
}

/** connections.export-apis: the APIs (by id) a flow calls and their connections, without secrets. */
export interface ExportApisRequest {
  workspaceId: string;
  apiIds: string[];
}
export type ExportApisResponse =
  | { ok: true; connections: BundleConnection[]; apis: BundleApi[]; missing: string[] }
  | { ok: false; code: 'INVALID_REQUEST'; message: string };

/**
 * connections.import-apis: match each connection (by title) and API (by name) of a bundle, or create it with
 * the given secrets. `secrets` is sealed (InternalSeal, purpose `flow-imports`, context the workspace id): no
 * secret crosses Redis in clear. With `dryRun`, only the problems are reported. An existing connection is used
 * as it is: its settings and secrets are never overwritten.
 */
export interface ImportApisRequest {
  workspaceId: string;
  connections: BundleConnection[];
  apis: BundleApi[];
  secrets: string | null;
  dryRun: boolean;
}
export interface ImportedNames {
  connections: string[];
  apis: string[];
}
export type ImportApisResponse =
  | { ok: true; apiIds: Record<string, string>; created: ImportedNames; matched: ImportedNames }
  | { ok: false; code: 'IMPORT_REFUSED'; problems: ImportProblem[] }
  | { ok: false; code: 'INVALID_REQUEST'; message: string };
