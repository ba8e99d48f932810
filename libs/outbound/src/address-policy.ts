import ipaddr from 'ipaddr.js';

/** Why an address may not be called. `null` means it is a public unicast address. */
export type AddressRefusal =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade NAT'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'unique-local'
  | 'translated or tunnelled'
  | 'not an IP address';

const RANGE_REFUSALS: Record<string, AddressRefusal> = {
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  multicast: 'multicast',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  reserved: 'reserved',
  uniqueLocal: 'unique-local',
  // IPv6 forms that embed or reach an IPv4 address: the embedded one could be anything.
  rfc6052: 'translated or tunnelled',
  rfc6145: 'translated or tunnelled',
  '6to4': 'translated or tunnelled',
  teredo: 'translated or tunnelled',
  as112: 'reserved',
  amt: 'reserved',
  benchmarking: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  deprecated: 'reserved',
};

/** 2000::/3: the only IPv6 space IANA allocates as global unicast. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Classifies the address a socket would connect to. Only public unicast passes; an IPv4-mapped IPv6
 * address is judged by the IPv4 address inside it. Every other IPv6 form outside 2000::/3 is refused,
 * among them the deprecated IPv4-compatible ::a.b.c.d (`[::7f00:1]` reaches 127.0.0.1 on some stacks),
 * which ipaddr.js classes as plain unicast.
 */
export function refuseAddress(address: string): AddressRefusal | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6))
    return (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)
      ? 'translated or tunnelled'
      : 'reserved';
  if (range === 'unicast') return null;
  return RANGE_REFUSALS[range] ?? 'reserved';
}

/** Host names that mean "this machine" or a cloud metadata service, whatever DNS says. */
const FORBIDDEN_NAMES = [
  /^localhost$/,
  /\.localhost$/,
  /^metadata$/,
  /^metadata\.google\.internal$/,
  /^metadata\.goog$/,
  /^instance-data(\.ec2\.internal)?$/,
  /^metadata\.azure\.com$/,
  /^169\.254\.169\.254\.nip\.io$/,
];

export function refuseHostName(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (FORBIDDEN_NAMES.some((pattern) => pattern.test(host))) return 'a local or cloud metadata host name';
  // A single-label name resolves through the resolver's search domains: an internal host by construction.
  if (!host.includes('.')) return 'a single-label (internal) host name';
  return null;
}

/** The first of a name's DNS answers that may not be called, with why; null when every one is public. */
export function firstRefusedAddress(
  addresses: readonly string[],
): { address: string; refusal: AddressRefusal } | null {
  for (const address of addresses) {
    const refusal = refuseAddress(address);
    if (refusal !== null) return { address, refusal };
  }
  return null;
}
