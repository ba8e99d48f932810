import { type AdminClient, AdminApiError, createAdminClient } from '@flowbridge/api-client';

/**
 * The admin key is kept for this browser session only (sessionStorage: gone when the tab closes), never in a
 * URL or in localStorage. Every call goes to this origin's /api, which the console forwards to the service.
 */
const KEY = 'flowbridge.adminKey';

export function savedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}

export function clientFor(adminKey: string): AdminClient {
  return createAdminClient({ adminKey, baseUrl: `${window.location.origin}/api` });
}

/**
 * A call to the WhatsApp sandbox's contact routes, which the console forwards (only when it runs beside one,
 * as under `npm start`) to admins: the same key goes along. Errors come back as the console's `{ code, message }`.
 */
export async function sandbox(
  method: 'GET' | 'POST',
  path: string,
  body?: Record<string, string>,
): Promise<unknown> {
  const response = await fetch(`${window.location.origin}/sandbox${path}`, {
    method,
    headers: {
      authorization: `Bearer ${savedKey() ?? ''}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = (await response.json().catch(() => ({}))) as {
    code?: string;
    message?: string;
    error?: string;
  };
  if (!response.ok) {
    const message = answer.message ?? answer.error ?? `The sandbox answered ${response.status}`;
    throw new AdminApiError(response.status, answer.code ?? 'SANDBOX_ERROR', message, undefined, { message });
  }
  return answer;
}
