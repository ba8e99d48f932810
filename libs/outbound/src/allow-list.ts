/**
 * `OUTBOUND_ALLOW_HOSTS` entries: `host`, `host:port`, `*.example.com`, `host:*`, `[::1]:8080`.
 * An entry without a port allows every port. Matching is case-insensitive.
 */
export interface AllowEntry {
  host: string;
  wildcard: boolean;
  port: number | '*';
}

export function parseAllowList(entries: readonly string[]): AllowEntry[] {
  return entries.map((raw) => {
    const entry = raw.trim().toLowerCase();
    const match = /^(\[[0-9a-f:.]+\]|[^:\s]+)(?::(\d{1,5}|\*))?$/.exec(entry);
    if (!match) throw new Error(`"${raw}" is not host[:port]`);
    const host = match[1].replace(/^\[|\]$/g, '');
    const port = match[2] === undefined || match[2] === '*' ? '*' : Number(match[2]);
    if (port !== '*' && (port < 1 || port > 65535)) throw new Error(`"${raw}" has an invalid port`);
    const wildcard = host.startsWith('*.');
    return { host: wildcard ? host.slice(1) : host, wildcard, port };
  });
}

export function isAllowListed(entries: readonly AllowEntry[], hostname: string, port: number): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return entries.some(
    (e) =>
      (e.port === '*' || e.port === port) &&
      (e.wildcard ? host.endsWith(e.host) && host.length > e.host.length : host === e.host),
  );
}
