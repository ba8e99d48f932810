import type { HttpMethod, JsonValue, ResolvedApi, ResolvedConnection } from '@flowbridge/contracts';
import { exactReference, lookupPath, TemplateError, TemplateRenderer } from '@flowbridge/flow-engine';
import { hasDotSegment, hasHeaderBreak } from './request-rules';

export interface BuiltRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  /** The JSON body, serialised; undefined when the API has none. */
  body?: string;
}

// Every value inserted into a path is encoded, so it stays inside its segment ("/" becomes %2F).
const encodeSegment = (value: unknown): string => encodeURIComponent(asText(value));

/** Text of an inserted value: objects and arrays as their JSON, never "[object Object]". */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return '';
}

const plain = new TemplateRenderer();
const pathRenderer = new TemplateRenderer(encodeSegment);

/**
 * Connection + API + run variables → the request to send (auth is applied separately). Values are
 * inserted as data, never as syntax: URL-encoded in the path, checked for CR/LF in headers, and placed
 * into the JSON body as JSON values, so no variable can break out of where it is put.
 */
export function buildRequest(
  connection: Pick<ResolvedConnection, 'baseUrl' | 'headers'>,
  api: Pick<ResolvedApi, 'method' | 'path' | 'query' | 'headers' | 'body'>,
  variables: Record<string, unknown>,
): BuiltRequest {
  const url = joinUnderBase(connection.baseUrl, pathRenderer.render(api.path, variables));
  for (const [name, template] of Object.entries(api.query))
    url.searchParams.append(name, plain.render(template, variables));

  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries({ ...connection.headers, ...api.headers })) {
    const value = plain.render(template, variables);
    if (hasHeaderBreak(value))
      throw new TemplateError(`header ${name}: an inserted value contains a line break or NUL`);
    headers[name.toLowerCase()] = value;
  }

  const request: BuiltRequest = { method: api.method, url, headers };
  if (api.body !== null && api.body !== undefined) {
    request.body = JSON.stringify(renderJson(api.body, variables));
    headers['content-type'] ??= 'application/json';
  }
  return request;
}

function joinUnderBase(baseUrl: string, renderedPath: string): URL {
  // Refused rather than left for the URL parser to resolve silently.
  if (hasDotSegment(renderedPath))
    throw new TemplateError('an inserted value makes a "." or ".." path segment');
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const url = new URL(base.href);
  url.pathname = `${basePath}${renderedPath.startsWith('/') || renderedPath === '' ? '' : '/'}${renderedPath}`;
  // A value cannot add segments (it is encoded), but the check is cheap and covers any future path.
  if (
    url.origin !== base.origin ||
    !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`) || basePath === '')
  ) {
    throw new TemplateError("the rendered path leaves the connection's base URL");
  }
  return url;
}

/** A string that is exactly one reference becomes that variable's JSON value; other strings are rendered text. */
export function renderJson(value: JsonValue, variables: Record<string, unknown>): JsonValue {
  if (typeof value === 'string') {
    const reference = exactReference(value);
    if (reference !== null) return toJsonValue(lookupPath(variables, reference));
    return plain.render(value, variables);
  }
  if (Array.isArray(value)) return value.map((item) => renderJson(item, variables));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderJson(item, variables);
    return out;
  }
  return value;
}

function toJsonValue(value: unknown): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    throw new TemplateError('a variable inserted into the body cannot be represented as JSON');
  }
}
