import { promises as dns } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import { firstRefusedAddress } from './address-policy';
import type { AllowEntry } from './allow-list';
import { judgeHost } from './url-policy';

/** Resolves a host name to every address it has. Injected in tests, so that no test depends on real DNS. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * What is said of a name the policy refuses: never the addresses it resolved to, nor their kind, which
 * would make "test the connection" and every error a way to read internal DNS.
 */
export const NOT_PUBLIC = 'resolves to an address that is not public';

export class BlockedAddressError extends Error {
  readonly code = 'BLOCKED_ADDRESS';

  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super(`${target} is not called: ${reason}`);
    this.name = 'BlockedAddressError';
  }
}

export type OutboundVerdict =
  { ok: true; url: URL; allowListed: boolean } | { ok: false; error: BlockedAddressError };

/**
 * The decision made before a request (and before every redirect hop): scheme, literal addresses and
 * host names. Names that pass are checked again on the addresses DNS returns, by the guarded agents.
 */
export function checkOutboundUrl(raw: string | URL, allow: readonly AllowEntry[]): OutboundVerdict {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    return { ok: false, error: new BlockedAddressError(String(raw).slice(0, 200), 'not an absolute URL') };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: new BlockedAddressError(url.protocol, 'only http and https are called') };
  }
  const host = judgeHost(url, allow);
  if (host.refusal)
    return {
      ok: false,
      error: new BlockedAddressError(url.hostname.replace(/^\[|\]$/g, ''), host.refusal.reason),
    };
  return { ok: true, url, allowListed: host.allowListed };
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets that refuses a name when any address it resolves to is not public unicast.
 * All of them are judged (a mixed answer is refused), and the socket connects only to what was judged:
 * a rebinding resolver cannot answer differently between check and connect.
 */
export function guardedLookup(resolver: Resolver = systemResolver) {
  return (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions | number,
    callback: LookupCallback,
  ): void => {
    const wantAll = typeof options === 'object' && options.all === true;
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          callback(
            Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
            wantAll ? [] : '',
          );
          return;
        }
        if (firstRefusedAddress(addresses.map((a) => a.address)) !== null) {
          callback(new BlockedAddressError(hostname, NOT_PUBLIC), wantAll ? [] : '');
          return;
        }
        if (wantAll) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, wantAll ? [] : ''),
    );
  };
}

export interface GuardedAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

/**
 * Keep-alive agents whose every new connection goes through `guardedLookup`. Node skips the lookup for
 * a literal IP, so callers run `checkOutboundUrl` first (it judges literals); allow-listed targets do
 * not use these agents.
 */
export function createGuardedAgents(
  options: { resolver?: Resolver; keepAlive?: boolean } = {},
): GuardedAgents {
  const lookup = guardedLookup(options.resolver);
  const common = { keepAlive: options.keepAlive ?? true, lookup, maxFreeSockets: 64 };
  return { httpAgent: new HttpAgent(common), httpsAgent: new HttpsAgent(common) };
}

/**
 * Why the policy refuses a base URL, judged as a call would be (scheme and literal addresses, then every
 * address its name resolves to), or null when it passes. A name that does not resolve now is not refused:
 * that is reachability, not policy, and every call is judged again at connect time.
 */
export async function policyRefusal(
  raw: string,
  allow: readonly AllowEntry[],
  resolver: Resolver = systemResolver,
): Promise<string | null> {
  const verdict = checkOutboundUrl(raw, allow);
  if (!verdict.ok) return verdict.error.message;
  const host = verdict.url.hostname.replace(/^\[|\]$/g, '');
  if (verdict.allowListed || isIP(host) !== 0) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await resolver(host);
  } catch {
    return null;
  }
  return firstRefusedAddress(addresses.map((a) => a.address)) && `${host} ${NOT_PUBLIC}`;
}
