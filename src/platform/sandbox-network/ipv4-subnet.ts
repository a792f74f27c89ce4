// IPv4 arithmetic for the sandbox network: parsing a CIDR, the gateway and host addresses in it,
// and whether two networks overlap (so that Berth never takes a range the host already routes).

export interface Ipv4Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** How many addresses the subnet holds. */
  size: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number {
  const m = OCTETS.exec(text);
  const parts = m?.slice(1).map(Number);
  if (!parts || parts.some((p) => p > 255)) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/p`; a sandbox network needs room for a gateway and hosts, so /8 to /24. */
export function parseSubnet(cidr: string): Ipv4Subnet {
  const [address, prefixText, ...rest] = cidr.split('/');
  const prefix = /^\d{1,2}$/.test(prefixText ?? '') ? Number(prefixText) : NaN;
  if (rest.length || !(prefix >= 8 && prefix <= 24)) throw new Error(`not an IPv4 network from /8 to /24: ${JSON.stringify(cidr)}`);
  const size = 2 ** (32 - prefix);
  const base = parseIpv4(address!);
  if (base % size !== 0) throw new Error(`${cidr} is not a network address (host bits set)`);
  return { base, prefix, size };
}

/** Any network given as CIDR or a bare address (a /32), as `ip route` prints them. */
export function parseRouteDestination(dst: string): { base: number; size: number } | undefined {
  if (dst === 'default') return { base: 0, size: 2 ** 32 };
  const [address, prefixText] = dst.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  try {
    const size = 2 ** (32 - prefix);
    return { base: parseIpv4(address!) - (parseIpv4(address!) % size), size };
  } catch {
    return undefined;
  }
}

export function overlaps(a: { base: number; size: number }, b: { base: number; size: number }): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export const formatSubnet = (s: Ipv4Subnet): string => `${formatIpv4(s.base)}/${s.prefix}`;

/** The first host address is the host's own (the gateway). */
export const gatewayOf = (s: Ipv4Subnet): string => formatIpv4(s.base + 1);

/** Host address number `offset` (2 … size-2): neither the network, the gateway nor broadcast. */
export const hostAddress = (s: Ipv4Subnet, offset: number): string => formatIpv4(s.base + offset);
