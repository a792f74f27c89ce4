// A cgroup v1 memory group for one add-on server: the kernel's hard ceiling under the server's
// own limit (Redis maxmemory), so a server that grows past its plan (fork copy-on-write, client
// buffers) is held to it whatever its configuration says. Berth's groups live apart from the
// instances' (`berth-addons/<scope>/<name>` beside the runtime's `berth/`), one scope per BERTH_HOME.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeCgroupDir } from '../platform/cgroup-dir.js';
import { currentPrivileges, type Privileges } from '../platform/privileges.js';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

export class MemoryCgroup {
  constructor(
    /** The group's directory, e.g. /sys/fs/cgroup/memory/berth-addons/1a2b3c4d5e6f/redis-<id>. */
    readonly dir: string,
    /** The hard limit, in bytes. */
    readonly limitBytes: number,
  ) {}

  /** Creates the group (or adopts it) and sets its limit, swap included. */
  async create(): Promise<void> {
    try {
      await this.configure();
    } catch (e) {
      // Another server's group was just removed with the shared parent folder: make both again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await this.configure();
    }
  }

  private async configure(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const bytes = String(Math.floor(this.limitBytes));
    const memsw = join(this.dir, 'memory.memsw.limit_in_bytes');
    const swapAccounted = await exists(memsw);
    // memsw must never be below the memory limit: open it up first, then set both.
    if (swapAccounted) await writeFile(memsw, '-1');
    await writeFile(join(this.dir, 'memory.limit_in_bytes'), bytes);
    // Without a swap limit the server could page out instead of being held to its size.
    if (swapAccounted) await writeFile(memsw, bytes);
    // Pages the server touched before it was moved in are charged here too (anonymous + file).
    await writeFile(join(this.dir, 'memory.move_charge_at_immigrate'), '3').catch(() => undefined);
  }

  /** Moves a process (and the threads it has) into the group; its children are born inside. */
  async join(pid: number): Promise<void> {
    await writeFile(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** The limit the kernel enforces now, read back from the group. */
  async enforcedLimitBytes(): Promise<number | undefined> {
    const text = await readFile(join(this.dir, 'memory.limit_in_bytes'), 'utf8').catch(() => '');
    return text.trim() ? Number(text.trim()) : undefined;
  }

  async usageBytes(): Promise<number | undefined> {
    const text = await readFile(join(this.dir, 'memory.usage_in_bytes'), 'utf8').catch(() => '');
    return text.trim() ? Number(text.trim()) : undefined;
  }

  async pids(): Promise<number[]> {
    const text = await readFile(join(this.dir, 'cgroup.procs'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  }

  /** Removes the group once its processes are gone; a group that is already gone is fine. */
  async remove(): Promise<void> {
    await removeGroup(this.dir);
    // The BERTH_HOME's own folder goes with its last group (it is made again on need).
    const parent = dirname(this.dir);
    const others = (await readdir(parent, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
    if (others.length === 0) await removeGroup(parent).catch(() => undefined);
  }
}

/** A killed server leaves its group a moment after it is reaped (seconds, after an OOM kill on a loaded host). */
const removeGroup = (dir: string): Promise<void> => removeCgroupDir(dir, { attempts: 250 });

/**
 * Where one BERTH_HOME's add-on servers get their memory groups, or undefined when this Berth
 * cannot make them (not root, or no cgroup v1 memory controller): the servers then run with their
 * own limits only, and `addons:info` says so.
 */
export async function addonCgroupDir(home: string, root = DEFAULT_CGROUP_ROOT, privileges: Privileges = currentPrivileges()): Promise<string | undefined> {
  if (!privileges.root) return undefined;
  if (!(await exists(join(root, 'memory', 'memory.limit_in_bytes')))) return undefined;
  // Two Berths on one machine (tests, staging beside production) must not share groups.
  const scope = createHash('sha256').update(home).digest('hex').slice(0, 12);
  return join(root, 'memory', 'berth-addons', scope);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
