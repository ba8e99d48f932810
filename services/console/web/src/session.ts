import { type AdminClient, createAdminClient } from '@flowbridge/api-client';

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
