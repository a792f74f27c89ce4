// Which addresses Berth connects to on a tenant's behalf (app webhooks, log drains). A tenant names
// the URL, and Berth's machine sits inside networks the tenant must not reach through it: its own
// loopback services, the Docker bridges of other tenants' instances and add-on servers, the cloud
// metadata address, the operator's LAN. So only public addresses are allowed, plus whatever the
// operator lists in BERTH_OUTBOUND_ALLOW (a LAN syslog server, say), as GitLab does for webhooks.
// A host name is checked at each connection, on the addresses it resolves to then (a name that
// resolved to a public address at creation and later to a private one is refused then).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/** Ranges that are not the public internet, with the word a refusal uses for each. */
const NOT_PUBLIC: ReadonlyArray<readonly [string, number, Family, string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'a private'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local'],
  ['172.16.0.0', 12, 'ipv4', 'a private'],
  ['192.168.0.0', 16, 'ipv4', 'a private'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved'],
  ['::', 128, 'ipv6', 'an unspecified'],
  ['::1', 128, 'ipv6', 'a loopback'],
  ['fc00::', 7, 'ipv6', 'a private'],
  ['fe80::', 10, 'ipv6', 'a link-local'],
  ['ff00::', 8, 'ipv6', 'a multicast'],
  // Global unicast forms that carry an IPv4 address or lead nowhere public: Teredo, documentation, 6to4.
  ['2001::', 32, 'ipv6', 'a tunnelled (Teredo)'],
  ['2001:db8::', 32, 'ipv6', 'a documentation'],
  ['2002::', 16, 'ipv6', 'a tunnelled (6to4)'],
];

/** The public IPv6 internet is 2000::/3; every other IPv6 address (NAT64 and IPv4-compatible forms included) is not. */
const GLOBAL_IPV6 = new BlockList();
GLOBAL_IPV6.addSubnet('2000::', 3, 'ipv6');

const RULE = 'Berth sends webhooks and log drains only to public addresses, and to those the operator allows with BERTH_OUTBOUND_ALLOW';

/** The error code of a connection refused by the policy (what a webhook attempt records). */
export const ADDRESS_NOT_ALLOWED = 'EADDRNOTALLOWED';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** How names are resolved: dns.lookup (the system's resolver, /etc/hosts included), or a test's. */
export type Resolve = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export class OutboundPolicy {
  private readonly ranges = NOT_PUBLIC.map(([network, prefix, family, kind]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, kind };
  });

  private constructor(private readonly allowed: BlockList, private readonly resolve: Resolve) {}

  /** From BERTH_OUTBOUND_ALLOW: addresses and CIDR ranges, separated by commas or spaces. */
  static fromSetting(value: string | undefined, resolve: Resolve = dnsLookup): OutboundPolicy {
    const allowed = new BlockList();
    const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
    for (const entry of entries) {
      const [address = '', prefixText] = entry.split('/');
      const family = isIP(address);
      const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
        throw new Error(`BERTH_OUTBOUND_ALLOW: ${JSON.stringify(entry)} is not an IP address or a CIDR range (such as 10.1.2.3 or 10.0.0.0/8)`);
      }
      allowed.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
    return new OutboundPolicy(allowed, resolve);
  }

  /** Why Berth will not connect to this IP address for a tenant, or undefined when it may. */
  refusal(address: string): string | undefined {
    const kind = this.kindOf(address);
    return kind && `${address} is ${kind} address: ${RULE}`;
  }

  /**
   * The kind of a refused address (`a loopback`), or undefined when Berth may connect to it. The
   * words never list the operator's exceptions: tenants read them.
   */
  private kindOf(address: string): string | undefined {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    if (isIP(ip) === 0) return 'not an IP';
    const family: Family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(ip, family)) return undefined;
    const range = this.ranges.find((r) => r.list.check(ip, family));
    if (range) return range.kind;
    return family === 'ipv6' && !GLOBAL_IPV6.check(ip, 'ipv6') ? 'a non-global IPv6' : undefined;
  }

  /**
   * Why a URL's host may not be connected to, judged from the host as written: an IP address, or
   * `localhost` (always the loopback). Other names are judged when they are resolved (`lookup`).
   */
  hostRefusal(host: string): string | undefined {
    const bare = asHttpHost(host).replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare)) return this.refusal(bare);
    if (/^localhost\.?$|\.localhost\.?$/i.test(bare)) return this.refusal('127.0.0.1') ?? this.refusal('::1');
    return undefined;
  }

  /**
   * A `lookup` for net, tls and undici's connect options: resolves as usual, then refuses the
   * connection when any address of the name is not allowed. Node skips `lookup` for an IP
   * address, so callers check those first with hostRefusal.
   */
  readonly lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    this.resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.map((a) => ({ address: a.address, kind: this.kindOf(a.address) })).find((a) => a.kind !== undefined);
      if (refused) return callback(notAllowed(`${hostname} resolves to ${refused.address}, ${refused.kind} address: ${RULE}`), '');
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };

  /** Throws the policy's error for a host written as an IP address (or localhost) that may not be reached. */
  checkHost(host: string): void {
    const why = this.hostRefusal(host);
    if (why) throw notAllowed(why);
  }
}

/**
 * A host as an http URL would read it: `2130706433`, `0x7f.1` and `127.1` are 127.0.0.1 there, and
 * getaddrinfo reads them so too when a syslog drain (whose URL keeps its host as written) connects.
 */
function asHttpHost(host: string): string {
  try {
    return new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`).hostname;
  } catch {
    return host;
  }
}

function notAllowed(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: ADDRESS_NOT_ALLOWED });
}
