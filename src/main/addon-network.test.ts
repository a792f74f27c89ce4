import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { bridgeGateway, chooseAddonNetwork, localSubnetOf } from './addon-network.js';

/** An engine whose `bridge` network inspects as given. */
const engineWith = (network: object) => ({ getNetwork: () => ({ inspect: async () => network }) }) as unknown as Docker;
/** An engine that is no swarm node: it has no `docker_gwbridge`. */
const notANode = { getNetwork: () => ({ inspect: async () => { throw Object.assign(new Error('no such network'), { statusCode: 404 }); } }) } as unknown as Docker;

describe('bridgeGateway', () => {
  it("takes the IPAM gateway when the engine reports one", async () => {
    expect(await bridgeGateway(engineWith({ IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] } }))).toBe('172.18.0.1');
  });

  it("reads the bridge interface's address when the engine leaves Gateway out (Docker 20.10)", async () => {
    // The loopback interface stands in for docker0: its address is in the subnet the engine names.
    const engine = engineWith({ IPAM: { Config: [{ Subnet: '127.0.0.0/8' }] }, Options: { 'com.docker.network.bridge.name': 'lo' } });
    expect(await bridgeGateway(engine)).toBe('127.0.0.1');
  });

  it('finds nothing when the interface has no address in the subnet, or does not exist', async () => {
    expect(await bridgeGateway(engineWith({ IPAM: { Config: [{ Subnet: '10.99.0.0/16' }] }, Options: { 'com.docker.network.bridge.name': 'lo' } }))).toBeUndefined();
    expect(await bridgeGateway(engineWith({ IPAM: { Config: [{ Subnet: '10.99.0.0/16' }] }, Options: { 'com.docker.network.bridge.name': 'no-such-if0' } }))).toBeUndefined();
  });
});

describe('the add-on network on the swarm runtime', () => {
  it('listens on the address the nodes reach this machine at, puts it in URLs and admits the networks given for the nodes', async () => {
    const network = await chooseAddonNetwork('swarm', silentLogger, { docker: notANode, swarm: { host: '10.0.0.5', nodeNetworks: ['10.0.0.0/24', '10.0.8.0/24'] } });
    expect(network).toEqual({ host: '10.0.0.5', listen: ['127.0.0.1', '10.0.0.5'], clients: ['10.0.0.0/24', '10.0.8.0/24'] });
  });

  it("also admits docker_gwbridge when Berth's own engine is a swarm node: its instances and one-offs reach the add-ons from there", async () => {
    const gwbridge = engineWith({ IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] } });
    const network = await chooseAddonNetwork('swarm', silentLogger, { docker: gwbridge, swarm: { host: '10.0.0.5', nodeNetworks: ['10.0.0.0/24'] } });
    expect(network.clients).toEqual(['10.0.0.0/24', '172.18.0.0/16']);
  });

  it("admits the subnet of the interface carrying that address when no node networks are given, and refuses an address this machine does not have", async () => {
    // Loopback's 127.0.0.1/8 stands in for a LAN interface's address.
    expect(await localSubnetOf('127.0.0.1')).toBe('127.0.0.0/8');
    await expect(chooseAddonNetwork('swarm', silentLogger, { docker: notANode, swarm: { host: '192.0.2.77' } })).rejects.toThrow(/192\.0\.2\.77 .* is not an IPv4 address of this machine/);
    await expect(chooseAddonNetwork('swarm', silentLogger, {})).rejects.toThrow(/BERTH_SWARM_REGISTRY/);
  });
});
