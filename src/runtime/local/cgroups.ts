// cgroup v1 groups for one instance: /sys/fs/cgroup/<controller>/berth/<instance-id>, with the
// memory, CPU and pids limits of its size. Creating, reading and tearing them down.
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceSize } from '../../domain/sizes.js';
import { removeCgroupDir } from '../../platform/cgroup-dir.js';

export const CGROUP_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
export type Controller = (typeof CGROUP_CONTROLLERS)[number];

const CFS_PERIOD_US = 100_000;

export class InstanceCgroups {
  constructor(
    readonly instanceId: string,
    private readonly root = '/sys/fs/cgroup',
  ) {}

  dir(controller: Controller): string {
    return join(this.root, controller, 'berth', this.instanceId);
  }

  /** Every directory the instance's processes must join, in a stable order. */
  dirs(): string[] {
    return CGROUP_CONTROLLERS.map((c) => this.dir(c));
  }

  async create(size: InstanceSize): Promise<void> {
    for (const dir of this.dirs()) await mkdir(dir, { recursive: true });
    const memoryBytes = String(Math.round(size.memoryMb * 1024 * 1024));
    await writeFile(join(this.dir('memory'), 'memory.limit_in_bytes'), memoryBytes);
    // Without swap accounting a limited group could swap instead of being held to its size.
    const memsw = join(this.dir('memory'), 'memory.memsw.limit_in_bytes');
    if (await exists(memsw)) await writeFile(memsw, memoryBytes);
    await writeFile(join(this.dir('cpu'), 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    await writeFile(join(this.dir('cpu'), 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(size.cpu * CFS_PERIOD_US))));
    await writeFile(join(this.dir('pids'), 'pids.max'), String(size.pids));
  }

  async pids(): Promise<number[]> {
    const text = await readFile(join(this.dir('pids'), 'cgroup.procs'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  }

  async killAll(): Promise<void> {
    for (const pid of await this.pids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  async cpuSeconds(): Promise<number> {
    const ns = await readFile(join(this.dir('cpuacct'), 'cpuacct.usage'), 'utf8');
    return Number(ns.trim()) / 1e9;
  }

  async memoryBytes(): Promise<number> {
    return Number((await readFile(join(this.dir('memory'), 'memory.usage_in_bytes'), 'utf8')).trim());
  }

  /**
   * Resident memory: `total_rss` of memory.stat (the group and its children), not usage_in_bytes,
   * which also counts page cache the kernel drops under pressure and would make every app look full.
   */
  async memoryRssBytes(): Promise<number> {
    const stat = await readFile(join(this.dir('memory'), 'memory.stat'), 'utf8');
    const line = /^total_rss (\d+)$/m.exec(stat) ?? /^rss (\d+)$/m.exec(stat);
    return line ? Number(line[1]) : 0;
  }

  async memoryLimitBytes(): Promise<number> {
    return Number(await this.readLimit('memory', 'memory.limit_in_bytes'));
  }

  async readLimit(controller: Controller, file: string): Promise<string> {
    return (await readFile(join(this.dir(controller), file), 'utf8')).trim();
  }

  /** Removes the groups; killed tasks linger for a moment, so rmdir is retried briefly. */
  async remove(): Promise<void> {
    for (const dir of this.dirs()) await removeCgroupDir(dir, { attempts: 50, whileBusy: () => this.killAll() });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
