// The local driver: the shared runtime contract (sandboxed when root, and with isolation off),
// plus what only the local sandbox promises: namespaces, user, overlay /app, cgroups, adoption.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { collect, ECHO_SERVER_JS, eventually, getJson, runtimeContract, specFor, type RuntimeHarness } from '../runtime.contract.js';
import type { Instance, InstanceSpec } from '../runtime.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import { asRoot, describeWith } from '../../../test/support/require-dependency.js';
import { localSandbox } from '../../../test/support/local-sandbox.js';
import { InstanceCgroups } from './cgroups.js';
import { LocalRuntime } from './local-runtime.js';
import { findSize } from '../../domain/sizes.js';
import { run, runChecked } from '../../platform/exec.js';
import { BridgeSandboxNetwork } from '../../platform/sandbox-network/bridge-sandbox-network.js';


async function makeHarness(mode: 'auto' | 'off', logger: Logger = silentLogger): Promise<RuntimeHarness & { runtime: LocalRuntime; stateDir: string }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'berth-local-state-'));
  const slugs: string[] = [];
  const runtime = new LocalRuntime({ stateDir, logger, isolation: mode, stopGraceMs: 2000, exitPollMs: 100 });
  return {
    runtime,
    stateDir,
    async makeSlug(files) {
      const dir = await mkdtemp(join(tmpdir(), 'berth-local-slug-'));
      for (const [name, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), text);
      }
      slugs.push(dir);
      return dir;
    },
    async cleanup() {
      runtime.detach();
      for (const dir of [stateDir, ...slugs]) await rm(dir, { recursive: true, force: true });
    },
  };
}

describeWith(localSandbox, 'local runtime contract, isolated', () => runtimeContract('local (isolated)', () => makeHarness('auto')));
runtimeContract('local (isolation off)', () => makeHarness('off'));

/** Runs a one-off in the sandbox and returns its exit code and stdout. */
async function oneOff(runtime: LocalRuntime, spec: InstanceSpec, command: string): Promise<{ exitCode: number; output: string }> {
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (c: Buffer) => (output += c.toString()));
  const { index: _index, ...base } = spec;
  const { exitCode } = await runtime.exec({ ...base, command, stdout });
  return { exitCode, output };
}

describeWith(localSandbox, 'local sandbox', () => {
  let harness: Awaited<ReturnType<typeof makeHarness>>;
  let slug: string;

  beforeEach(async () => {
    harness = await makeHarness('auto');
    slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS, 'readme.txt': 'from the slug\n' });
  });

  afterEach(async () => {
    for (const instance of await harness.runtime.list()) {
      await harness.runtime.stop(instance.id, { graceMs: 1000 });
      await harness.runtime.remove(instance.id);
    }
    await harness.cleanup();
  });

  const untilLogged = async (instance: Instance, line: string) =>
    eventually(async () => ((await collect(harness.runtime.logs(instance.id, { follow: false }))).includes(line) ? true : undefined));

  it('runs in its own PID and UTS namespaces, as an unprivileged user, named after the dyno', async () => {
    const instance = await harness.runtime.start(
      specFor(slug, { processType: 'worker', command: 'echo "pids $(ls /proc | grep -c "^[0-9]")"; echo "uid $(id -u)"; echo "host $(cat /proc/sys/kernel/hostname)"; echo "pwd $PWD home $HOME"' }),
    );
    await eventually(async () => ((await harness.runtime.inspect(instance.id))?.status === 'exited' ? true : undefined));
    const lines = await collect(harness.runtime.logs(instance.id, { follow: false }));
    const visiblePids = Number(lines.find((l) => l.startsWith('pids '))?.slice(5));
    expect(visiblePids).toBeGreaterThan(0);
    expect(visiblePids).toBeLessThan(10); // the host has far more processes than the sandbox's handful
    expect(Number(lines.find((l) => l.startsWith('uid '))?.slice(4))).toBeGreaterThan(0);
    expect(lines).toContain('host worker.1');
    expect(lines).toContain('pwd /app home /app');
  });

  it('gives each instance a writable /app that never changes the slug and is not shared', async () => {
    const writer = await harness.runtime.start(
      specFor(slug, { command: 'echo changed > /app/readme.txt && echo new > /app/written.txt && cat /app/readme.txt && sleep 60' }),
    );
    await untilLogged(writer, 'changed');
    const other = await oneOff(harness.runtime, specFor(slug), 'cat /app/readme.txt; test -e /app/written.txt && echo seen || echo absent');
    expect(other.output).toBe('from the slug\nabsent\n');
    expect(await readFile(join(slug, 'readme.txt'), 'utf8')).toBe('from the slug\n');
    expect(await readdir(slug)).toEqual(['readme.txt', 'server.js']);
  });

  it('gives each instance a private /tmp', async () => {
    await writeFile(join(tmpdir(), 'berth-host-marker'), 'x');
    try {
      const result = await oneOff(harness.runtime, specFor(slug), 'ls -A /tmp | wc -l; echo x > /tmp/scratch && echo wrote');
      expect(result.output).toBe('0\nwrote\n');
      expect(existsSync(join(tmpdir(), 'scratch'))).toBe(false);
    } finally {
      await rm(join(tmpdir(), 'berth-host-marker'), { force: true });
    }
  });

  it('applies the size as cgroup limits and removes the cgroups when the instance stops', async () => {
    const size = { name: 'test', memoryMb: 200, cpu: 0.5, pids: 77, diskMb: 64 };
    const instance = await harness.runtime.start(specFor(slug, { size }));
    const group = (controller: string, file: string) => readFile(`/sys/fs/cgroup/${controller}/berth/${instance.id}/${file}`, 'utf8');
    expect((await group('pids', 'pids.max')).trim()).toBe('77');
    expect((await group('memory', 'memory.limit_in_bytes')).trim()).toBe(String(200 * 1024 * 1024));
    expect((await group('cpu', 'cpu.cfs_quota_us')).trim()).toBe('50000');
    await harness.runtime.stop(instance.id);
    expect(existsSync(`/sys/fs/cgroup/pids/berth/${instance.id}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/memory/berth/${instance.id}`)).toBe(false);
  });

  it('resolves stop() of an instance that just exited on its own only once its cgroups are gone', async () => {
    // Hold the cgroup removal the exit started, as a loaded host's slow reaping does.
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const realRemove = InstanceCgroups.prototype.remove;
    const spy = vi.spyOn(InstanceCgroups.prototype, 'remove').mockImplementation(async function (this: InstanceCgroups) {
      await held;
      return realRemove.call(this);
    });
    try {
      const instance = await harness.runtime.start(specFor(slug, { processType: 'worker', command: 'exit 0' }));
      await eventually(async () => (spy.mock.calls.length > 0 ? true : undefined));
      let stopped = false;
      const stopping = harness.runtime.stop(instance.id).then(() => { stopped = true; });
      await new Promise((r) => setTimeout(r, 200));
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(existsSync(`/sys/fs/cgroup/pids/berth/${instance.id}`)).toBe(false);
      expect(existsSync(`/sys/fs/cgroup/memory/berth/${instance.id}`)).toBe(false);
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('kills an instance that allocates beyond its memory limit', async () => {
    const size = { name: 'tiny', memoryMb: 48, cpu: 1, pids: 64, diskMb: 16 };
    const hog = `node -e "const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))"`;
    const instance = await harness.runtime.start(specFor(slug, { processType: 'hog', command: hog, size }));
    const exited = await eventually(async () => {
      const i = await harness.runtime.inspect(instance.id);
      return i?.status === 'exited' ? i : undefined;
    }, 20_000);
    expect(exited.exitCode).toBe(137); // SIGKILL from the OOM killer
  });

  it('keeps instances running past their runtime, and a new runtime adopts them', async () => {
    const tokenServer = ECHO_SERVER_JS.replace('greeting: process.env.GREETING', 'token: TOKEN').replace(
      "const http = require('http');",
      "const http = require('http'); const TOKEN = Math.random();",
    );
    const tokenSlug = await harness.makeSlug({ 'server.js': tokenServer });
    const first = harness.runtime;
    const instance = await first.start(specFor(tokenSlug, { size: findSize('standard-2x')! }));
    const before = await eventually(() => getJson(instance));
    first.detach();

    const second = new LocalRuntime({ stateDir: harness.stateDir, logger: silentLogger, exitPollMs: 100 });
    harness.runtime = second; // afterEach stops what is left through the adopting runtime
    const adopted = await second.list();
    // The size too: a resize made while Berth was down must still find this instance out of date.
    expect(adopted.map((i) => [i.id, i.status, i.address, i.size])).toEqual([[instance.id, 'running', instance.address, 'standard-2x']]);
    expect(await getJson(instance)).toEqual(before); // the same process, not a restarted one

    const exits: Instance[] = [];
    second.onExit((i) => exits.push(i));
    const record = JSON.parse(await readFile(join(harness.stateDir, 'instances', instance.id, 'instance.json'), 'utf8')) as { pid: number };
    process.kill(-record.pid, 'SIGTERM');
    const exited = await eventually(async () => exits.find((i) => i.id === instance.id));
    expect(exited).toMatchObject({ status: 'exited', exitCode: 143 });
  });
});

/**
 * Run inside an instance: connects to each host:port argument and prints one line per target,
 * the server's reply or `refused <code>`. Short timeouts: dropped packets never answer.
 */
const PROBE_JS = `
const net = require('net');
const targets = process.argv.slice(2);
(async () => {
  for (const t of targets) {
    const [host, port] = t.split(':');
    const line = await new Promise((resolve) => {
      // An HTTP/1.0 request: the echo server answers and closes; a plain TCP server ignores it.
      const s = net.connect({ host, port: Number(port) }, () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
      let got = '';
      s.setTimeout(1500, () => { s.destroy(); resolve('refused timeout'); });
      s.on('data', (d) => (got += d));
      s.on('end', () => resolve(got));
      s.on('error', (e) => resolve('refused ' + e.code));
    });
    console.log(t + ' ' + line.replace(/\\r?\\n/g, ' '));
  }
})();
`;

/** Every IPv4 address of the host (where A's app listened before instances had namespaces). */
async function hostAddresses(): Promise<string[]> {
  const links = JSON.parse(await runChecked('/usr/sbin/ip', ['-4', '-j', 'addr', 'show'])) as { addr_info: { local: string }[] }[];
  return links.flatMap((l) => l.addr_info.map((a) => a.local));
}

describeWith(localSandbox, 'local sandbox network', () => {
  let harness: Awaited<ReturnType<typeof makeHarness>>;
  let slug: string;
  // "The internet" for the egress test: a namespace of this test's own behind a veth on the host.
  const outside = { netns: `berth-test-out-${process.pid}`, hostEnd: `btn${process.pid}`.slice(0, 15), hostAddress: '10.214.9.1', address: '10.214.9.2' };

  beforeEach(async () => {
    harness = await makeHarness('auto');
    const tokenServer = ECHO_SERVER_JS.replace('greeting: process.env.GREETING', 'secret: process.env.SECRET');
    slug = await harness.makeSlug({ 'server.js': tokenServer, 'probe.js': PROBE_JS });
  });

  afterEach(async () => {
    for (const instance of await harness.runtime.list()) {
      await harness.runtime.stop(instance.id, { graceMs: 1000 });
      await harness.runtime.remove(instance.id);
    }
    await harness.cleanup();
    await run('/usr/sbin/ip', ['netns', 'delete', outside.netns]);
  });

  it("keeps tenant B's instance from reaching tenant A's, directly or through the host's addresses, while the host reaches both", async () => {
    const a = await harness.runtime.start(specFor(slug, { appId: 'tenant-a', appName: 'tenant-a', env: { SECRET: 'a-secret' } }));
    const b = await harness.runtime.start(specFor(slug, { appId: 'tenant-b', appName: 'tenant-b', env: { SECRET: 'b-secret' } }));
    expect(await eventually(() => getJson(a))).toMatchObject({ secret: 'a-secret' }); // as the router does
    expect(await eventually(() => getJson(b))).toMatchObject({ secret: 'b-secret' });
    const { port } = a.address!;
    const targets = [`${a.address!.host}:${port}`, `127.0.0.1:${port}`, ...(await hostAddresses()).map((h) => `${h}:${port}`)];
    const probe = await oneOff(harness.runtime, specFor(slug, { appId: 'tenant-b', appName: 'tenant-b' }), `node probe.js ${targets.join(' ')}`);
    expect(probe.exitCode).toBe(0);
    const lines = probe.output.trim().split('\n');
    if (process.env.BERTH_TEST_VERBOSE) process.stderr.write(`${probe.output}\n`);
    expect(lines).toHaveLength(targets.length);
    for (const line of lines) expect(line).not.toContain('a-secret');
    expect(lines[0]).toMatch(/ refused /); // A's own address: dropped, not merely empty
  });

  it('lets an instance reach the outside, through NAT on the host', async () => {
    await runChecked('/usr/sbin/ip', ['-batch', '-'], {
      input: `netns add ${outside.netns}\nlink add ${outside.hostEnd} type veth peer name eth0 netns ${outside.netns}\naddr add ${outside.hostAddress}/30 dev ${outside.hostEnd}\nlink set ${outside.hostEnd} up\n`,
    });
    await runChecked('/usr/sbin/ip', ['-n', outside.netns, '-batch', '-'], { input: `link set lo up\naddr add ${outside.address}/30 dev eth0\nlink set eth0 up\n` });
    const server = `require('net').createServer((c) => c.end('outside saw ' + c.remoteAddress)).listen(7000, ${JSON.stringify(outside.address)}, () => console.log('up'))`;
    const { spawn } = await import('node:child_process');
    const child = spawn('/usr/bin/nsenter', [`--net=/run/netns/${outside.netns}`, '--', process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve, reject) => { child.once('error', reject); child.stdout.once('data', resolve); });
      const probe = await oneOff(harness.runtime, specFor(slug), `node probe.js ${outside.address}:7000`);
      expect(probe.output.trim()).toBe(`${outside.address}:7000 outside saw ${outside.hostAddress}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("removes an instance's namespace with it, and a new runtime sweeps the namespace of one that died unwatched", async () => {
    const network = new BridgeSandboxNetwork();
    const removed = await harness.runtime.start(specFor(slug));
    expect(await network.isAttached(removed.id)).toBe(true);
    await harness.runtime.stop(removed.id);
    await harness.runtime.remove(removed.id);
    expect(await network.isAttached(removed.id)).toBe(false);

    const orphan = await harness.runtime.start(specFor(slug));
    await eventually(() => getJson(orphan));
    harness.runtime.detach();
    const record = JSON.parse(await readFile(join(harness.stateDir, 'instances', orphan.id, 'instance.json'), 'utf8')) as { pid: number };
    process.kill(-record.pid, 'SIGKILL');
    await eventually(async () => { try { process.kill(record.pid, 0); return undefined; } catch { return true; } });
    const second = new LocalRuntime({ stateDir: harness.stateDir, logger: silentLogger, exitPollMs: 100 });
    harness.runtime = second;
    expect((await second.list()).map((i) => i.status)).toEqual(['exited']);
    expect(await network.isAttached(orphan.id)).toBe(false);
  });
});

describe('local runtime without a sandbox', () => {
  it('says once that isolation is off, and why', async () => {
    const events: { event: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = { ...silentLogger, warn: (event, fields) => events.push({ event, fields }), child: () => logger };
    const harness = await makeHarness('off', logger);
    try {
      const slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
      await harness.runtime.start(specFor(slug));
      await harness.runtime.start(specFor(slug, { index: 2 }));
      expect(events.filter((e) => e.event === 'isolation-off')).toEqual([{ event: 'isolation-off', fields: { reason: 'disabled by configuration' } }]);
    } finally {
      for (const i of await harness.runtime.list()) await harness.runtime.stop(i.id);
      await harness.cleanup();
    }
  });

  it('lets the app write to its working directory without touching the slug', async () => {
    const harness = await makeHarness('off');
    try {
      const slug = await harness.makeSlug({ 'readme.txt': 'from the slug\n' });
      const result = await oneOff(harness.runtime, specFor(slug), 'echo changed > readme.txt && cat readme.txt');
      expect(result).toEqual({ exitCode: 0, output: 'changed\n' });
      expect(await readFile(join(slug, 'readme.txt'), 'utf8')).toBe('from the slug\n');
    } finally {
      await harness.cleanup();
    }
  });

  describeWith(asRoot, 'as root', () => {
    it('still never runs app code as root: it drops to the app\'s own uid, and the copy is the app\'s alone', async () => {
      const harness = await makeHarness('off');
      try {
        const slug = await harness.makeSlug({ 'readme.txt': 'x\n' });
        const result = await oneOff(harness.runtime, specFor(slug), 'id -u; stat -c %a .');
        const [uid, mode] = result.output.trim().split('\n');
        expect(result.exitCode).toBe(0);
        expect(Number(uid)).toBeGreaterThan(0);
        expect(mode).toBe('700');
      } finally {
        await harness.cleanup();
      }
    });
  });
});
