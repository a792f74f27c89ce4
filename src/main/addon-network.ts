// Decides once, at start, where add-on servers listen and which host their URLs carry: loopback,
// plus the host's end of the network the apps' instances live on: the sandbox bridge's gateway on
// the local runtime (when instances have network namespaces), on the docker runtime the gateway of
// Docker's default bridge read from the engine (the `bridge` network's IPAM gateway, docker0), on
// the swarm runtime the address the nodes reach this machine at (BERTH_SWARM_REGISTRY's host).
import Docker from 'dockerode';
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { dockerBridgeAddonNetwork, LOOPBACK_ADDON_NETWORK, sandboxBridgeAddonNetwork, swarmAddonNetwork, type AddonNetwork } from '../addons/addon-network.js';
import { run } from '../platform/exec.js';
import type { Logger } from '../platform/logger.js';

export async function chooseAddonNetwork(
  runtimeName: string,
  logger: Logger,
  opts: { docker?: Docker; sandboxGateway?: { address: string; subnet: string }; swarm?: SwarmReach } = {},
): Promise<AddonNetwork> {
  if (runtimeName === 'swarm') {
    if (!opts.swarm) throw new Error('the swarm runtime needs the address its nodes reach this machine at (BERTH_SWARM_REGISTRY)');
    const network = await swarmNetwork(opts.swarm, await gatewayBridgeSubnets(opts.docker ?? new Docker()));
    logger.info('addon-network-chosen', { host: network.host, clients: network.clients.join(',') });
    return network;
  }
  if (runtimeName !== 'docker') {
    if (!opts.sandboxGateway) return LOOPBACK_ADDON_NETWORK;
    logger.info('addon-network-chosen', { host: opts.sandboxGateway.address, clients: opts.sandboxGateway.subnet });
    return sandboxBridgeAddonNetwork(opts.sandboxGateway.address, opts.sandboxGateway.subnet);
  }
  const docker = opts.docker ?? new Docker();
  const gateway = await bridgeGateway(docker).catch((e: Error) => {
    logger.warn('addon-network-bridge-unreadable', { error: e.message });
    return undefined;
  });
  if (!gateway) {
    // Add-ons still work for Berth and the host, but app containers will not reach them.
    logger.warn('addon-network-loopback-only', { reason: "neither Docker's default bridge network nor its interface has an IPv4 address (dockerd --bridge=none?)" });
    return LOOPBACK_ADDON_NETWORK;
  }
  logger.info('addon-network-chosen', { host: gateway });
  return dockerBridgeAddonNetwork(gateway);
}

/** How the swarm's nodes reach this machine. */
export interface SwarmReach {
  /** An address (or a name of one) of this machine every node reaches: BERTH_SWARM_REGISTRY's host. */
  host: string;
  /** The networks the nodes' addresses are in (BERTH_SWARM_NODE_NETWORKS); default the subnet of the interface that carries `host`. */
  nodeNetworks?: string[];
}

/**
 * `localClients`: the networks containers on this machine's own engine reach the add-on address
 * from. When this machine is a swarm node too (Berth on a manager, as the README sets it up), its
 * instances and every one-off (`berth run`, release, postdeploy, cron) reach this machine's address
 * from `docker_gwbridge`, not from the node's address: nothing masquerades traffic that stays local.
 */
async function swarmNetwork(reach: SwarmReach, localClients: string[]): Promise<AddonNetwork> {
  // The address goes into server configuration (listen_addresses, bind): a name is resolved once, here.
  const address = isIPv4(reach.host) ? reach.host : (await lookup(reach.host, { family: 4 })).address;
  if (reach.nodeNetworks && reach.nodeNetworks.length > 0) return swarmAddonNetwork(address, [...reach.nodeNetworks, ...localClients]);
  const subnet = await localSubnetOf(address);
  if (!subnet) throw new Error(`${reach.host} (BERTH_SWARM_REGISTRY's host) is not an IPv4 address of this machine: the add-on servers cannot listen there`);
  return swarmAddonNetwork(address, [subnet, ...localClients]);
}

/** The IPv4 subnets of the engine's `docker_gwbridge` (there once the engine is a swarm node); none otherwise. */
async function gatewayBridgeSubnets(docker: Docker): Promise<string[]> {
  const info = (await docker.getNetwork('docker_gwbridge').inspect().catch(() => undefined)) as { IPAM?: { Config?: { Subnet?: string }[] } } | undefined;
  return (info?.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string' && isIPv4(s.split('/')[0] ?? ''));
}

/** `10.1.2.0/24` for the interface address 10.1.2.7/24: the network a machine's neighbours are in. */
export async function localSubnetOf(address: string): Promise<string | undefined> {
  const { code, stdout } = await run('ip', ['-4', '-j', 'addr', 'show']);
  if (code !== 0) return undefined;
  const links = JSON.parse(stdout || '[]') as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  const match = links.flatMap((l) => l.addr_info ?? []).find((a) => a.local === address && a.prefixlen !== undefined);
  if (!match) return undefined;
  const bits = match.prefixlen!;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return `${fromInt((toInt(address) & mask) >>> 0)}/${bits}`;
}

const fromInt = (n: number): string => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');

/** The IPv4 gateway of the engine's default `bridge` network: an address of the host on docker0. */
export async function bridgeGateway(docker: Docker): Promise<string | undefined> {
  const info = (await docker.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
    Options?: Record<string, string>;
  };
  const configs = info.IPAM?.Config ?? [];
  for (const c of configs) {
    if (c.Gateway && isIPv4(c.Gateway)) return c.Gateway;
  }
  // Docker 20.10 (Debian 12's docker.io) leaves Gateway out of the default bridge's IPAM config;
  // the gateway is then the address dockerd gave the bridge interface itself.
  const bridge = info.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const subnets = configs.map((c) => c.Subnet).filter((s): s is string => typeof s === 'string');
  return interfaceAddressIn(bridge, subnets);
}

/** The interface's IPv4 address that lies in one of the subnets (`ip -j`, argv only). */
async function interfaceAddressIn(iface: string, subnets: string[]): Promise<string | undefined> {
  const { code, stdout } = await run('ip', ['-4', '-j', 'addr', 'show', 'dev', iface]);
  if (code !== 0) return undefined;
  const links = JSON.parse(stdout || '[]') as { addr_info?: { local?: string; prefixlen?: number }[] }[];
  for (const a of links.flatMap((l) => l.addr_info ?? [])) {
    if (a.local && isIPv4(a.local) && subnets.some((s) => inSubnet(a.local!, s))) return a.local;
  }
  return undefined;
}

function inSubnet(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!base || !isIPv4(base) || bits === undefined) return false;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((toInt(address) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
