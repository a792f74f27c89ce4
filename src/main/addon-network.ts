// Decides once, at start, where add-on servers listen and which host their URLs carry: loopback,
// plus the host's end of the network the apps' instances live on: the sandbox bridge's gateway on
// the local runtime (when instances have network namespaces), on the docker runtime the gateway of
// Docker's default bridge read from the engine (the `bridge` network's IPAM gateway, docker0).
import Docker from 'dockerode';
import { isIPv4 } from 'node:net';
import { dockerBridgeAddonNetwork, LOOPBACK_ADDON_NETWORK, sandboxBridgeAddonNetwork, type AddonNetwork } from '../addons/addon-network.js';
import type { Logger } from '../platform/logger.js';

export async function chooseAddonNetwork(
  runtimeName: string,
  logger: Logger,
  opts: { docker?: Docker; sandboxGateway?: { address: string; subnet: string } } = {},
): Promise<AddonNetwork> {
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
    logger.warn('addon-network-loopback-only', { reason: "Docker's default bridge network has no IPv4 gateway (dockerd --bridge=none?)" });
    return LOOPBACK_ADDON_NETWORK;
  }
  logger.info('addon-network-chosen', { host: gateway });
  return dockerBridgeAddonNetwork(gateway);
}

/** The IPv4 gateway of the engine's default `bridge` network: an address of the host on docker0. */
export async function bridgeGateway(docker: Docker): Promise<string | undefined> {
  const info = (await docker.getNetwork('bridge').inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
  for (const c of info.IPAM?.Config ?? []) {
    if (c.Gateway && isIPv4(c.Gateway)) return c.Gateway;
  }
  return undefined;
}
