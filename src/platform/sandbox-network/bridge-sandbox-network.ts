// SandboxNetwork on a Linux bridge of this host (default `berth0`, 10.213.0.0/16): each sandbox
// is a named namespace (`ip netns`, so it outlives Berth and running instances stay adopted)
// with a veth whose host end is an *isolated* bridge port, so sandboxes cannot reach each other
// even at layer 2; the host is the gateway, and the firewall (host-firewall.ts) does the rest.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runChecked } from '../exec.js';
import { AddressLeases } from './address-leases.js';
import { applyFirewall } from './host-firewall.js';
import { formatSubnet, gatewayOf, overlaps, parseRouteDestination, parseSubnet, type Ipv4Subnet } from './ipv4-subnet.js';
import type { SandboxAttachment, SandboxNetwork } from './sandbox-network.js';

const IP = '/usr/sbin/ip';
const NETNS_DIR = '/run/netns';
/** Interface names are at most 15 bytes; the bridge name must leave room for nothing else. */
const BRIDGE_NAME = /^[a-z][a-z0-9]{0,14}$/;
/** Sandbox ids become namespace names: keep them to what every tool accepts. */
const SANDBOX_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const DEFAULT_SANDBOX_BRIDGE = 'berth0';
/** Away from Docker's pools (172.16/12, 192.168/16) and the usual VPN and cloud ranges. */
export const DEFAULT_SANDBOX_SUBNET = '10.213.0.0/16';

export interface BridgeSandboxNetworkOptions {
  bridge?: string;
  subnet?: string;
  /** Where address leases live; shared by every Berth that uses the same bridge. */
  leaseDir?: string;
}

export class BridgeSandboxNetwork implements SandboxNetwork {
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  private readonly net: Ipv4Subnet;
  private readonly leases: AddressLeases;
  private prepared: Promise<void> | undefined;

  constructor(opts: BridgeSandboxNetworkOptions = {}) {
    this.bridge = opts.bridge ?? DEFAULT_SANDBOX_BRIDGE;
    if (!BRIDGE_NAME.test(this.bridge)) throw new Error(`not a usable bridge name: ${JSON.stringify(this.bridge)} (a-z, 0-9, at most 15)`);
    this.net = parseSubnet(opts.subnet ?? DEFAULT_SANDBOX_SUBNET);
    this.subnet = formatSubnet(this.net);
    this.gateway = gatewayOf(this.net);
    this.leases = new AddressLeases(opts.leaseDir ?? join('/run/berth-network', this.bridge), this.net);
  }

  prepare(): Promise<void> {
    this.prepared ??= this.setUpHost().catch((e: Error) => {
      this.prepared = undefined; // let a later call try again
      throw new Error(`cannot set up the sandbox network ${this.bridge} (${this.subnet}): ${e.message}`);
    });
    return this.prepared;
  }

  async attach(id: string): Promise<SandboxAttachment> {
    await this.prepare();
    const netns = netnsName(id);
    const hostEnd = hostInterface(netns);
    // The host side first, in one ip process: the namespace, the veth pair with its inner end
    // already inside, and the outer end as an isolated port of the bridge.
    await runChecked(IP, ['-batch', '-'], {
      input: [
        `netns add ${netns}`,
        `link add ${hostEnd} type veth peer name eth0 netns ${netns}`,
        `link set ${hostEnd} master ${this.bridge}`,
        `link set dev ${hostEnd} type bridge_slave isolated on`,
        `link set ${hostEnd} up`,
        '',
      ].join('\n'),
    }).catch(async (e: Error) => {
      await this.detach(id);
      throw e;
    });
    try {
      // The lease only once the namespace exists: a lease naming a missing namespace counts as stale.
      const address = await this.leases.claim(netns);
      await runChecked(IP, ['-n', netns, '-batch', '-'], {
        input: [
          'link set lo up',
          `addr add ${address}/${this.net.prefix} dev eth0`,
          'link set eth0 up',
          `route add default via ${this.gateway}`,
          '',
        ].join('\n'),
      });
      return { netnsPath: join(NETNS_DIR, netns), address, gateway: this.gateway };
    } catch (e) {
      await this.detach(id);
      throw e;
    }
  }

  async detach(id: string): Promise<void> {
    const netns = netnsName(id);
    const path = join(NETNS_DIR, netns);
    // One ip process (-force: go on past whichever is already gone). The veth first: a namespace
    // stays alive while any mount namespace still holds a copy of its /run/netns mount (every
    // sandbox made after it does), and its veth with it, until deleted explicitly.
    const r = await run(IP, ['-force', '-batch', '-'], {
      input: `link delete ${hostInterface(netns)}\n${existsSync(path) ? `netns delete ${netns}\n` : ''}`,
    });
    if (existsSync(path)) throw new Error(`ip netns delete ${netns}: ${r.stderr.trim()}`);
    await this.leases.release(netns);
  }

  async isAttached(id: string): Promise<boolean> {
    return existsSync(join(NETNS_DIR, netnsName(id)));
  }

  private async setUpHost(): Promise<void> {
    const exists = (await run(IP, ['link', 'show', 'dev', this.bridge])).code === 0;
    if (!exists) {
      await this.refuseTakenRange();
      const added = await run(IP, ['link', 'add', this.bridge, 'type', 'bridge']);
      // Another Berth may have created it a moment ago.
      if (added.code !== 0 && (await run(IP, ['link', 'show', 'dev', this.bridge])).code !== 0) throw new Error(added.stderr.trim());
    }
    if (!(await this.bridgeHasGateway())) {
      const addr = await run(IP, ['addr', 'add', `${this.gateway}/${this.net.prefix}`, 'dev', this.bridge]);
      if (addr.code !== 0 && !(await this.bridgeHasGateway())) throw new Error(`ip addr add ${this.gateway}: ${addr.stderr.trim()}`);
    }
    await this.pinBridgeAddress();
    await runChecked(IP, ['link', 'set', this.bridge, 'up']);
    await applyFirewall(this.bridge, this.subnet, this.gateway);
  }

  /**
   * A bridge without an address of its own takes the lowest of its ports' and changes it when that
   * port goes (a build's sandbox ending): every sandbox's cached neighbour entry for the gateway is
   * then stale, and replies to the router go nowhere for seconds. A fixed, locally administered
   * address derived from the gateway keeps it for the bridge's life.
   */
  private async pinBridgeAddress(): Promise<void> {
    const assigned = await readFile(`/sys/class/net/${this.bridge}/addr_assign_type`, 'utf8').catch(() => '');
    if (assigned.trim() === ADDRESS_SET_BY_USER) return;
    await runChecked(IP, ['link', 'set', 'dev', this.bridge, 'address', bridgeMac(this.gateway)]);
  }

  private async bridgeHasGateway(): Promise<boolean> {
    const links = JSON.parse(await runChecked(IP, ['-4', '-j', 'addr', 'show', 'dev', this.bridge])) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
    return links.some((l) => l.addr_info?.some((a) => a.local === this.gateway && a.prefixlen === this.net.prefix));
  }

  /** The subnet must not be routed anywhere already: instances would shadow, or be shadowed by, real networks. */
  private async refuseTakenRange(): Promise<void> {
    const routes = JSON.parse(await runChecked(IP, ['-4', '-j', 'route', 'show', 'table', 'all'])) as { dst?: string; dev?: string; type?: string }[];
    for (const route of routes) {
      if (!route.dst || route.dst === 'default' || route.type === 'broadcast' || route.type === 'local' || route.dev === this.bridge) continue;
      const dst = parseRouteDestination(route.dst);
      if (dst && overlaps(dst, this.net)) {
        throw new Error(`${this.subnet} overlaps the host's route to ${route.dst} on ${route.dev ?? '?'}; choose another with BERTH_SANDBOX_SUBNET`);
      }
    }
  }
}

/** `berth-<id>`: the namespace's name under /run/netns. */
export function netnsName(id: string): string {
  if (!SANDBOX_ID.test(id)) throw new Error(`not a usable sandbox id: ${JSON.stringify(id)}`);
  return `berth-${id}`;
}

/** The host end of a sandbox's veth: `bv` and a hash of the namespace name (15 bytes at most). */
function hostInterface(netns: string): string {
  return `bv${createHash('sha256').update(netns).digest('hex').slice(0, 12)}`;
}

/** The kernel's NET_ADDR_SET: the interface's MAC address was set explicitly and stays. */
const ADDRESS_SET_BY_USER = '3';

/** 02:62:<gateway's four bytes>: locally administered, unicast, the same for the same gateway. */
export function bridgeMac(gateway: string): string {
  return ['02', '62', ...gateway.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0'))].join(':');
}
