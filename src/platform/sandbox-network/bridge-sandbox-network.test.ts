// Real namespaces on the real bridge (as root): what one sandbox can reach and what it cannot.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRoot, describeWith, type Dependency } from '../../../test/support/require-dependency.js';
import { run, runChecked } from '../exec.js';
import { BridgeSandboxNetwork, bridgeMac, netnsName } from './bridge-sandbox-network.js';
import { firewallRules } from './host-firewall.js';
import { loopbackNameservers } from './resolv-conf.js';
import { overlaps, parseRouteDestination, parseSubnet } from './ipv4-subnet.js';

const networkTools: Dependency = {
  name: 'root with iproute2 and iptables',
  check: () => asRoot.check() ?? (['/usr/sbin/ip', '/usr/sbin/iptables-restore', '/usr/bin/nsenter'].find((p) => !existsSync(p)) ? 'ip, iptables-restore or nsenter missing' : undefined),
  install: 'apt-get install iproute2 iptables util-linux, and run the tests as root',
};

describe('sandbox network settings', () => {
  it('takes only network addresses from /8 to /24, and sees overlaps', () => {
    expect(parseSubnet('10.213.0.0/16')).toEqual({ base: 0x0ad50000, prefix: 16, size: 65536 });
    for (const bad of ['10.213.0.1/16', '10.0.0.0/4', '10.213.0.0/30', '10.213.0.0', '10.213.0.0/16 ', '1.2.3.256/24']) expect(() => parseSubnet(bad)).toThrow();
    expect(overlaps(parseSubnet('10.213.0.0/16'), parseRouteDestination('10.0.0.0/8')!)).toBe(true);
    expect(overlaps(parseSubnet('10.213.0.0/16'), parseRouteDestination('10.214.0.1')!)).toBe(false);
    expect(() => new BridgeSandboxNetwork({ bridge: 'eth0 up' })).toThrow();
    expect(() => netnsName('../x')).toThrow();
  });

  it('tells which nameservers a sandbox cannot reach', () => {
    expect(loopbackNameservers('# x\nnameserver 10.255.255.53\n')).toEqual({ all: ['10.255.255.53'], loopback: [] });
    expect(loopbackNameservers('nameserver 127.0.0.53\noptions edns0\n nameserver ::1\n')).toEqual({ all: ['127.0.0.53', '::1'], loopback: ['127.0.0.53', '::1'] });
  });

  it('drops traffic between sandboxes and from outside, and NATs the rest', () => {
    const rules = firewallRules('berth0', '10.213.0.0/16', '10.213.0.1').split('\n');
    expect(rules.indexOf('-A BERTH-FWD-berth0 -i berth0 -o berth0 -j DROP')).toBeLessThan(rules.indexOf('-A BERTH-FWD-berth0 -i berth0 -j ACCEPT'));
    expect(rules).toContain('-A BERTH-FWD-berth0 -o berth0 -j DROP');
    expect(rules.indexOf('-A BERTH-NAT-berth0 -o lo -j RETURN')).toBeLessThan(rules.indexOf('-A BERTH-NAT-berth0 -s 10.213.0.0/16 ! -o berth0 -j MASQUERADE'));
  });
});

/** Runs node inside a namespace: connects to host:port and prints what the server said, or "refused: <code>". */
async function fetchFrom(netnsPath: string, host: string, port: number): Promise<string> {
  const script = `const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
s.setTimeout(1500, () => { console.log('refused: timeout'); process.exit(0); });
let got = ''; s.on('data', (d) => got += d); s.on('end', () => { console.log(got); process.exit(0); });
s.on('error', (e) => { console.log('refused: ' + e.code); process.exit(0); });`;
  return (await runChecked('/usr/bin/nsenter', [`--net=${netnsPath}`, '--', process.execPath, '-e', script])).trim();
}

/** A TCP server inside a namespace that answers with `<name> saw <client address>` and closes. */
function serveIn(netnsPath: string, name: string, host: string, port: number): Promise<ChildProcess> {
  const script = `require('net').createServer((c) => c.end(${JSON.stringify(name)} + ' saw ' + c.remoteAddress)).listen(${port}, ${JSON.stringify(host)}, () => console.log('up'));`;
  const child = spawn('/usr/bin/nsenter', [`--net=${netnsPath}`, '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

describeWith(networkTools, 'sandbox network on the host bridge', () => {
  const network = new BridgeSandboxNetwork();
  const suffix = String(process.pid);
  const ids = { a: `test-a-${suffix}`, b: `test-b-${suffix}` };
  // A stand-in for "the internet": a namespace of our own behind a point-to-point veth on the host.
  const outside = { netns: `berth-test-outside-${suffix}`, hostEnd: `bto${suffix}`.slice(0, 15), hostAddress: '10.214.7.1', address: '10.214.7.2' };
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    await runChecked('/usr/sbin/ip', ['-batch', '-'], {
      input: [
        `netns add ${outside.netns}`,
        `link add ${outside.hostEnd} type veth peer name eth0 netns ${outside.netns}`,
        `addr add ${outside.hostAddress}/30 dev ${outside.hostEnd}`,
        `link set ${outside.hostEnd} up`,
        '',
      ].join('\n'),
    });
    await runChecked('/usr/sbin/ip', ['-n', outside.netns, '-batch', '-'], { input: `link set lo up\naddr add ${outside.address}/30 dev eth0\nlink set eth0 up\n` });
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    for (const id of Object.values(ids)) await network.detach(id);
    await run('/usr/sbin/ip', ['netns', 'delete', outside.netns]);
  });

  it('gives each sandbox its own address behind the gateway; neighbours cannot reach it, the host can', async () => {
    const a = await network.attach(ids.a);
    const b = await network.attach(ids.b);
    expect(a.address).not.toBe(b.address);
    expect(a.gateway).toBe('10.213.0.1');
    servers.push(await serveIn(a.netnsPath, 'A', '0.0.0.0', 5000));

    expect(await fetchFrom('/proc/self/ns/net', a.address, 5000)).toBe(`A saw ${a.gateway}`); // the host (the router)
    expect(await fetchFrom(b.netnsPath, a.address, 5000)).toMatch(/^refused: /); // the neighbour
    // Nor through the host: the gateway and the host's other addresses have nothing of A's.
    const hostAddresses = JSON.parse(await runChecked('/usr/sbin/ip', ['-4', '-j', 'addr', 'show'])) as { addr_info: { local: string }[] }[];
    for (const address of [...hostAddresses.flatMap((i) => i.addr_info.map((x) => x.local)), '127.0.0.1']) {
      expect(await fetchFrom(b.netnsPath, address, 5000)).not.toMatch(/^A saw/);
    }
  });

  it('keeps the gateway\'s MAC address while sandboxes come and go (their neighbour entries stay right)', async () => {
    await network.prepare();
    const mac = async () => (await readFile(`/sys/class/net/${network.bridge}/address`, 'utf8')).trim();
    // Set explicitly (NET_ADDR_SET), not taken from a port: the kernel would change it when that port goes.
    expect((await readFile(`/sys/class/net/${network.bridge}/addr_assign_type`, 'utf8')).trim()).toBe('3');
    expect(await mac()).toBe(bridgeMac(network.gateway));
    await network.attach(`${ids.b}-mac`);
    await network.detach(`${ids.b}-mac`);
    expect(await mac()).toBe(bridgeMac(network.gateway));
  });

  it('lets a sandbox reach the outside through NAT', async () => {
    const a = await network.attach(`${ids.a}-egress`);
    try {
      const outsideServer = await serveIn(join('/run/netns', outside.netns), 'outside', outside.address, 8081);
      servers.push(outsideServer);
      // The outside sees the host, not the sandbox's private address.
      expect(await fetchFrom(a.netnsPath, outside.address, 8081)).toBe(`outside saw ${outside.hostAddress}`);
    } finally {
      await network.detach(`${ids.a}-egress`);
    }
  });

  it('lets nothing from outside open a connection into a sandbox or to the gateway, even with a route to them', async () => {
    await runChecked('/usr/sbin/ip', ['-n', outside.netns, 'route', 'replace', network.subnet, 'via', outside.hostAddress]);
    const a = await network.attach(`${ids.a}-inbound`);
    const server = createServer((c) => c.end('gateway'));
    await new Promise<void>((resolve) => server.listen(0, network.gateway, resolve));
    try {
      servers.push(await serveIn(a.netnsPath, 'A', '0.0.0.0', 5001));
      const { port } = server.address() as AddressInfo;
      const outsideNs = join('/run/netns', outside.netns);
      expect(await fetchFrom(outsideNs, a.address, 5001)).toMatch(/^refused: /);
      expect(await fetchFrom(outsideNs, network.gateway, port)).toMatch(/^refused: /);
      expect(await fetchFrom(a.netnsPath, network.gateway, port)).toBe('gateway'); // the sandbox itself may
    } finally {
      server.close();
      await network.detach(`${ids.a}-inbound`);
    }
  });

  it("keeps the host's own source address when it connects to the gateway (add-on servers admit clients by it)", async () => {
    await network.prepare();
    const server = createServer((c) => c.end(`saw ${c.remoteAddress}`));
    await new Promise<void>((resolve) => server.listen(0, network.gateway, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await fetchFrom('/proc/self/ns/net', network.gateway, port)).toBe(`saw ${network.gateway}`);
    } finally {
      server.close();
    }
  });

  it('removes the namespace and its veth on detach, and is idempotent', async () => {
    const id = `${ids.b}-gone`;
    const c = await network.attach(id);
    expect(await network.isAttached(id)).toBe(true);
    await network.detach(id);
    await network.detach(id);
    expect(await network.isAttached(id)).toBe(false);
    expect(existsSync(c.netnsPath)).toBe(false);
    const links = await runChecked('/usr/sbin/ip', ['-o', 'link', 'show', 'master', 'berth0']);
    expect(links).not.toContain(`${netnsName(id)}`);
  });
});
