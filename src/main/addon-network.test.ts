import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { bridgeGateway } from './addon-network.js';

/** An engine whose `bridge` network inspects as given. */
const engineWith = (network: object) => ({ getNetwork: () => ({ inspect: async () => network }) }) as unknown as Docker;

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
