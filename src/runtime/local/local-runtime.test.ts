// The local driver: the shared runtime contract (sandboxed when root, and with isolation off),
// plus what only the local sandbox promises: namespaces, user, overlay /app, cgroups, adoption.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { collect, ECHO_SERVER_JS, eventually, getJson, runtimeContract, specFor, type RuntimeHarness } from '../runtime.contract.js';
import type { Instance, InstanceSpec } from '../runtime.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import { detectIsolation } from './detect-isolation.js';
import { asRoot, describeWith, type Dependency } from '../../../test/support/require-dependency.js';
import { LocalRuntime } from './local-runtime.js';

const isolation = await detectIsolation();
const sandbox: Dependency = {
  name: 'the local sandbox (root, unshare, setpriv, overlayfs, cgroup v1 controllers)',
  check: () => (isolation.available ? undefined : isolation.reason),
  install: 'run the tests as root on Linux with util-linux (bash scripts/install-test-deps.sh)',
};

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

describeWith(sandbox, 'local runtime contract, isolated', () => runtimeContract('local (isolated)', () => makeHarness('auto')));
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

describeWith(sandbox, 'local sandbox', () => {
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
    const instance = await first.start(specFor(tokenSlug));
    const before = await eventually(() => getJson(instance));
    first.detach();

    const second = new LocalRuntime({ stateDir: harness.stateDir, logger: silentLogger, exitPollMs: 100 });
    harness.runtime = second; // afterEach stops what is left through the adopting runtime
    const adopted = await second.list();
    expect(adopted.map((i) => [i.id, i.status, i.address])).toEqual([[instance.id, 'running', instance.address]]);
    expect(await getJson(instance)).toEqual(before); // the same process, not a restarted one

    const exits: Instance[] = [];
    second.onExit((i) => exits.push(i));
    const record = JSON.parse(await readFile(join(harness.stateDir, 'instances', instance.id, 'instance.json'), 'utf8')) as { pid: number };
    process.kill(-record.pid, 'SIGTERM');
    const exited = await eventually(async () => exits.find((i) => i.id === instance.id));
    expect(exited).toMatchObject({ status: 'exited', exitCode: 143 });
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
