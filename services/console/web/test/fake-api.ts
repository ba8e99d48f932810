import type { AdminClient } from '@flowbridge/api-client';

type Handler = (request: { path: string; params?: unknown; body?: unknown }) => {
  status?: number;
  data: unknown;
};

/**
 * An AdminClient for page tests: each call answered by the handler for its method and path (the schema path,
 * as openapi-fetch takes it), recorded in `calls`; a call with no handler fails the test.
 */
export function fakeApi(handlers: Record<string, Handler>) {
  const calls: Array<{ method: string; path: string; params?: unknown; body?: unknown }> = [];
  const call =
    (method: string) =>
    async (path: string, init: { params?: unknown; body?: unknown } = {}) => {
      calls.push({ method, path, params: init.params, body: init.body });
      const handler = handlers[`${method} ${path}`];
      if (!handler) throw new Error(`no fake answer for ${method} ${path}`);
      const { status = 200, data } = handler({ path, ...init });
      const ok = status < 400;
      return {
        data: ok ? data : undefined,
        error: ok ? undefined : data,
        response: new Response(null, { status }),
      };
    };
  const api = { GET: call('GET'), POST: call('POST'), PATCH: call('PATCH'), DELETE: call('DELETE') };
  return { api: api as unknown as AdminClient, calls };
}
