import { type AdminService, SERVICE_OF_PATH } from '@flowbridge/api-client';

/** Each admin path of the OpenAPI document (`/flows/{id}/versions/{n}`) as a pattern, with its service. */
const ROUTES = Object.entries(SERVICE_OF_PATH).map(([path, service]) => ({
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  service,
}));

/**
 * The service that serves an admin path (`/flows/7f…/publish?x=1`), as the generated client routes it; undefined
 * for a path no service serves, which the console answers itself (404) rather than forwarding anywhere.
 */
export function serviceOfPath(url: string): AdminService | undefined {
  const path = url.split('?')[0];
  return ROUTES.find((r) => r.pattern.test(path))?.service;
}
