import type { INestApplication } from '@nestjs/common';

/**
 * The endpoints an Express-based Nest app serves, as `method` and `path` (`/flows/:id`), read from its router.
 * Left out: the layers mounted on every path that are no endpoint — Nest's not-found fallback (`/{*path}`) and
 * middleware such as the request logger's (`{/*splat}`).
 */
export function endpointsOf(app: INestApplication): Array<{ method: string; path: string }> {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  };
  const catchAll = new Set(['/{*path}', '{/*splat}']);
  return express.router.stack.flatMap((layer) =>
    layer.route && !catchAll.has(layer.route.path)
      ? Object.keys(layer.route.methods).map((method) => ({ method, path: layer.route!.path }))
      : [],
  );
}
