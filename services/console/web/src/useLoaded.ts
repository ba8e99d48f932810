import { type AdminClient, must } from '@flowbridge/api-client';
import { useCallback, useEffect, useState } from 'react';
import { messageOf } from './errors';

/**
 * What a page shows, fetched when it opens and again on `reload()`; a failure is said in words through
 * `onProblem`. `fetch` is a function of the client alone (declared outside the component, so it stays the same).
 */
export function useLoaded<T>(
  api: AdminClient,
  fetch: (api: AdminClient) => Promise<T>,
  onProblem: (message: string) => void,
): [T | null, () => Promise<void>] {
  const [value, setValue] = useState<T | null>(null);
  const reload = useCallback(async () => {
    try {
      setValue(await fetch(api));
    } catch (error) {
      onProblem(messageOf(error));
    }
  }, [api, fetch, onProblem]);
  useEffect(() => void reload(), [reload]);
  return [value, reload];
}

/** The workspace's APIs and the connections they call through (the APIs page, the builder's API dropdowns). */
export async function apisAndConnections(api: AdminClient) {
  const [apis, connections] = await Promise.all([
    api.GET('/apis', { params: { query: { limit: 200 } } }),
    api.GET('/connections', { params: { query: { limit: 200 } } }),
  ]);
  return { apis: must(apis).items, connections: must(connections).items };
}
