// Where add-on servers listen and which address their URLs carry: loopback for apps that run on
// the host, plus the host's end of the apps' network when they have one of their own (Docker's
// default bridge for containers, the sandbox bridge for local instances), or, on a swarm, the
// address of this machine that every node reaches.
import { isIPv4 } from 'node:net';

export interface AddonNetwork {
  /** The address in DATABASE_URL / REDIS_URL: what the apps' instances connect to. */
  host: string;
  /** Every address the servers listen on; loopback first (Berth itself talks to them there). */
  listen: string[];
  /** Source networks (CIDR) besides loopback that may authenticate as an add-on role (pg_hba). */
  clients: string[];
}

/** The local runtime without a sandbox: instances are plain host processes, so loopback reaches the servers. */
export const LOOPBACK_ADDON_NETWORK: AddonNetwork = { host: '127.0.0.1', listen: ['127.0.0.1'], clients: [] };

/**
 * Docker's default address pools (172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 in /20s):
 * the per-app bridge networks take their subnets from these.
 */
export const DOCKER_ADDRESS_POOLS = ['172.16.0.0/12', '192.168.0.0/16'];

/**
 * The docker runtime: the servers also listen on the bridge gateway (a host-internal interface,
 * docker0). Containers on any bridge network reach it through their own gateway, as traffic to
 * the host itself (INPUT, not forwarded between bridges); machines on the LAN have no route to it.
 */
export function dockerBridgeAddonNetwork(gateway: string, clients: string[] = DOCKER_ADDRESS_POOLS): AddonNetwork {
  // The address goes into server configuration files: it must be a plain IPv4 literal.
  if (!isIPv4(gateway) || gateway.startsWith('127.')) throw new Error(`not a usable bridge gateway address: ${JSON.stringify(gateway)}`);
  return { host: gateway, listen: ['127.0.0.1', gateway], clients };
}

/**
 * The local runtime with its sandbox: each instance has a network namespace of its own on the
 * sandbox bridge, so its loopback is its own; the servers also listen on the bridge's gateway (the
 * host's end, the instances' default route) and admit add-on roles from the sandbox subnet only.
 */
export function sandboxBridgeAddonNetwork(gateway: string, subnet: string): AddonNetwork {
  return dockerBridgeAddonNetwork(gateway, [subnet]);
}

/**
 * The swarm runtime: instances run on other machines and reach the servers on Berth's machine at
 * the address every node reaches it at (the one its image registry listens on); their packets
 * leave each node NATed to the node's own address, so the clients pg_hba admits are the networks
 * the nodes' addresses are in. Nodes of every app share those addresses, so "no other app's" rests
 * on credentials, as on Heroku: a PostgreSQL role per add-on admitted only into its own database
 * (`sameuser`, CONNECT revoked from PUBLIC), a redis-server per add-on with its own password.
 */
export function swarmAddonNetwork(host: string, nodeNetworks: string[]): AddonNetwork {
  if (nodeNetworks.length === 0) throw new Error('the swarm add-on network needs the networks of the nodes');
  return dockerBridgeAddonNetwork(host, nodeNetworks);
}
