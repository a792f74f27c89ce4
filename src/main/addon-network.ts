// Decides once, at start, where add-on servers listen and which host their URLs carry: loopback
// on the local runtime; on the docker runtime also the host's end of Docker's default bridge,
// read from the engine (the `bridge` network's IPAM gateway, docker0), so that containers reach them.
import Docker from 'dockerode';
import { isIPv4 } from 'node:net';
import { dockerBridgeAddonNetwork, LOOPBACK_ADDON_NETWORK, type AddonNetwork } from '../addons/addon-network.js';
import type { Logger } from '../platform/logger.js';

export async function chooseAddonNetwork(runtimeName: string, logger: Logger, docker: Docker = new Docker()): Promise<AddonNetwork> {
  if (runtimeName !== 'docker') return LOOPBACK_ADDON_NETWORK;
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
