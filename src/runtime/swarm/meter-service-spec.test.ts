// The meter service's spec: what it may touch on every node (the cgroup view and the engine's data
// root are what it gets beyond an instance's sandbox, both read-only, with one capability: to read
// and search), and its script run by a real sh over cgroup trees laid out as the kernel does (the
// v1 files recorded from this machine's engine, the v2 ones in the kernel's format: no v2 kernel
// here to record from), and over an engine data root laid out as Docker 20.10 writes it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { CGROUP_VIEW, diskMeterSpec, ENGINE_VIEW, usageMeterSpec } from './meter-service-spec.js';
import { parseContainerReading, parseDiskReading, parseReading } from './node-reading.js';

const shape = { scope: 's1', image: '10.0.0.1:5443/berth/stack:abc', intervalSeconds: 5, diskIntervalSeconds: 30 };
type Task = { ContainerSpec: Docker.ContainerSpec; Resources: { Limits: Record<string, number> } };
const task = usageMeterSpec(shape).TaskTemplate as Task;
const container = task.ContainerSpec;
const diskTask = diskMeterSpec(shape).TaskTemplate as Task;
const diskContainer = diskTask.ContainerSpec;

const A = 'e543deaada42536bc1df6cefcb3f0b42d2377f342f5b79010a7ad45f9d5554e5';
const B = '009d0e12ca3ec603fa66f2f21eedd121f2c6b0ccf3fb64520755b7f70857201b';
const C = 'ff5b2dccac18082e23e8cdec83670c76455c3ca7a9d34d53cb3e585cb4809b11';
/** A container's memory.stat on cgroup v1 as this machine's kernel writes it (trimmed after total_rss). */
const V1_MEMORY_STAT = (rss: number) => `cache 0\nrss ${rss - 4096}\nrss_huge 0\nshmem 0\nmapped_file 0\ninactive_anon 102400\nhierarchical_memory_limit 67108864\ntotal_cache 0\ntotal_rss ${rss}\ntotal_rss_huge 0\n`;

const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-cgroup-'));
  roots.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

/** The lines of the script's first print, over `root` as the cgroup view: until its second node line (interval 0). */
async function firstPrint(root: string, cap: number): Promise<string[]> {
  return linesUntil(container, ['0', String(cap), root], (lines) => lines.findIndex((l, i) => i > 0 && l.startsWith('berth-meter ')));
}

/** The disk meter's lines of one whole round over `engine` as the engine's data root: until the first one's container is read again (interval 0). */
async function firstDiskRound(engine: string): Promise<string[]> {
  return linesUntil(diskContainer, ['0', '200', engine], (lines) => {
    const ids = lines.map((l) => l.split(' ')[2]);
    return lines.length === 0 ? -1 : ids.indexOf(ids[0], 1);
  });
}

/** Runs a meter's script with these arguments ($2…) until `end` finds the index of the first line not wanted. */
async function linesUntil(meter: Docker.ContainerSpec, args: string[], end: (lines: string[]) => number): Promise<string[]> {
  const [, flag, script, name] = meter.Command as [string, string, string, string];
  const sh = spawn('sh', [flag, script, name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  sh.stderr.on('data', (c: Buffer) => (err += c.toString()));
  try {
    return await new Promise<string[]>((resolve, reject) => {
      sh.on('error', reject);
      sh.on('exit', (code) => reject(new Error(`meter script exited ${code}: ${err}`)));
      sh.stdout.on('error', reject);
      sh.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const lines = out.split('\n').slice(0, -1);
        const stop = end(lines);
        if (stop > 0) resolve(lines.slice(0, stop));
      });
    });
  } finally {
    sh.kill('SIGKILL');
  }
}

describe('meter service spec', () => {
  it("usage meter: binds the node's cgroup tree read-only and nothing else, as nobody without capabilities", () => {
    expect(container.Mounts).toEqual([{ Type: 'bind', Source: '/sys/fs/cgroup', Target: CGROUP_VIEW, ReadOnly: true }]);
    expect(container).toMatchObject({ User: '65534:65534', ReadOnly: true, CapabilityDrop: ['ALL'] });
    expect(task.Resources.Limits).toMatchObject({ MemoryBytes: 16 * 1024 ** 2, Pids: 8 });
  });

  it("disk meter: binds only the engine's containers/ and volumes/, read-only and without what is mounted below them, as root with only CAP_DAC_READ_SEARCH, and never the cgroup tree", () => {
    const bind = (dir: string) => ({ Type: 'bind', Source: `/var/lib/docker/${dir}`, Target: `${ENGINE_VIEW}/${dir}`, ReadOnly: true, BindOptions: { Propagation: 'rslave', NonRecursive: true } });
    expect(diskContainer.Mounts).toEqual([bind('containers'), bind('volumes')]);
    expect(diskContainer).toMatchObject({ User: '0:0', ReadOnly: true, CapabilityDrop: ['ALL'], CapabilityAdd: ['CAP_DAC_READ_SEARCH'] });
    expect(diskTask.Resources.Limits).toMatchObject({ MemoryBytes: 16 * 1024 ** 2, Pids: 8 });
  });

  it('passes the intervals, the per-print cap and the views as arguments, never inside the script', () => {
    expect(container.Command!.slice(3)).toEqual(['berth-meter', '5', '200', CGROUP_VIEW]);
    expect(diskContainer.Command!.slice(3)).toEqual(['berth-meter-disk', '30', '200', ENGINE_VIEW]);
  });
});

describe('meter script (real sh)', () => {
  it("cgroup v1: prints the machine, then each running container under the engine's parent (cgroupfs and systemd drivers); skips cgroups with no task", async () => {
    const root = tree({
      [`pids/docker/${A}/pids.current`]: '3\n', [`cpuacct/docker/${A}/cpuacct.usage`]: '93378707\n',
      [`memory/docker/${A}/memory.stat`]: V1_MEMORY_STAT(3289088), [`memory/docker/${A}/memory.limit_in_bytes`]: '67108864\n',
      // Left behind by an engine: no task in it any more.
      [`pids/docker/${B}/pids.current`]: '0\n', [`cpuacct/docker/${B}/cpuacct.usage`]: '5\n',
      [`memory/docker/${B}/memory.stat`]: V1_MEMORY_STAT(0), [`memory/docker/${B}/memory.limit_in_bytes`]: '67108864\n',
      [`pids/system.slice/docker-${C}.scope/pids.current`]: '1\n', [`cpuacct/system.slice/docker-${C}.scope/cpuacct.usage`]: '54226320\n',
      [`memory/system.slice/docker-${C}.scope/memory.stat`]: V1_MEMORY_STAT(204800), [`memory/system.slice/docker-${C}.scope/memory.limit_in_bytes`]: '9223372036854771712\n',
      // Not the engine's: a cgroup of something else on the machine.
      ['pids/user.slice/pids.current']: '40\n',
    });
    const [node, ...containers] = await firstPrint(root, 200);
    expect(parseReading(node!)).toBeDefined();
    expect(containers.map(parseContainerReading)).toEqual([
      { containerId: A, stats: { cpuSeconds: 0.093378707, memoryBytes: 3289088, memoryLimitBytes: 64 * 1024 ** 2 } },
      { containerId: C, stats: { cpuSeconds: 0.05422632, memoryBytes: 204800 } },
    ]);
  });

  it('cgroup v2: reads cpu.stat usage_usec, memory.stat anon and memory.max (max is no limit)', async () => {
    const root = tree({
      'cgroup.controllers': 'cpuset cpu io memory pids\n',
      [`system.slice/docker-${A}.scope/pids.current`]: '2\n',
      [`system.slice/docker-${A}.scope/cpu.stat`]: 'usage_usec 93378\nuser_usec 60000\nsystem_usec 33378\n',
      [`system.slice/docker-${A}.scope/memory.stat`]: 'anon 3289088\nfile 8192\nkernel_stack 16384\n',
      [`system.slice/docker-${A}.scope/memory.max`]: '67108864\n',
      [`docker/${C}/pids.current`]: '1\n', [`docker/${C}/cpu.stat`]: 'usage_usec 7\n',
      [`docker/${C}/memory.stat`]: 'anon 4096\n', [`docker/${C}/memory.max`]: 'max\n',
    });
    const [, ...containers] = await firstPrint(root, 200);
    expect(containers.map(parseContainerReading)).toEqual([
      { containerId: C, stats: { cpuSeconds: 0.000007, memoryBytes: 4096 } },
      { containerId: A, stats: { cpuSeconds: 0.093378, memoryBytes: 3289088, memoryLimitBytes: 64 * 1024 ** 2 } },
    ]);
  });

  it('prints at most the cap of containers a print', async () => {
    const files: Record<string, string> = {};
    for (const id of [A, B, C]) {
      Object.assign(files, {
        [`pids/docker/${id}/pids.current`]: '1\n', [`cpuacct/docker/${id}/cpuacct.usage`]: '1\n',
        [`memory/docker/${id}/memory.stat`]: V1_MEMORY_STAT(8192), [`memory/docker/${id}/memory.limit_in_bytes`]: '67108864\n',
      });
    }
    const [, ...containers] = await firstPrint(tree(files), 2);
    expect(containers).toHaveLength(2);
  });
});

describe('disk meter script (real sh, du and grep)', () => {
  const V = '4f1d0c2b8a7e6d5c4b3a29180f0e0d0c0b0a09080706050403020100ffeeddcc';
  /** A container's config.v2.json as the engine writes it, trimmed to what the script reads. */
  const config = (labels: Record<string, string>, running: boolean, volume?: string) => JSON.stringify({
    State: { Running: running, Paused: false, Pid: running ? 4242 : 0 },
    Config: { Labels: labels, Env: ['SECRET=not-printed'] },
    MountPoints: {
      '/tmp': { Source: '', Destination: '/tmp', Type: 'tmpfs' },
      ...(volume ? { '/app': { Source: `/var/lib/docker/volumes/${volume}/_data`, Destination: '/app', RW: true, Name: volume, Driver: 'local', Type: 'volume' } } : {}),
    },
  });

  it("prints what each running Berth instance's working directory holds, in KiB, and nothing for other containers", async () => {
    const engine = tree({
      [`containers/${A}/config.v2.json`]: config({ 'berth.role': 'formation', 'berth.dyno': 'web.1' }, true, V),
      // A one-off, a stopped instance, and a container that is not Berth's: not read.
      [`containers/${B}/config.v2.json`]: config({ 'berth.role': 'one-off' }, true, V),
      [`containers/${C}/config.v2.json`]: config({ 'berth.role': 'formation' }, false, V),
      [`containers/${'ab'.repeat(32)}/config.v2.json`]: config({ 'com.example': 'x' }, true, V),
      [`volumes/${V}/_data/server.js`]: '',
    });
    // 3 MiB of data that takes blocks on disk (random bytes, so no filesystem stores it sparse or compressed).
    writeFileSync(path.join(engine, `volumes/${V}/_data/fill`), randomBytes(3 * 1024 * 1024));
    const round = await firstDiskRound(engine);
    expect(round.map((l) => parseDiskReading(l)?.containerId)).toEqual([A]);
    const held = parseDiskReading(round[0]!)!.bytes;
    expect(held).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(held).toBeLessThan(4 * 1024 * 1024);
  });
});
