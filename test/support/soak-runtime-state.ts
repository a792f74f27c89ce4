// What the local runtime really runs under one BERTH_HOME, read from the machine rather than from
// GET /dynos: the instance records it keeps, whether each one's processes are alive (its recorded
// init process, or anything left in its pids cgroup) and every other process that names the home.
// The soak compares this with what the slots want, so a leak the API no longer lists still counts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceRecord } from '../../src/runtime/local/instance-state.js';
import { isSameProcessAlive } from '../../src/runtime/local/proc.js';
import { descendants, processesMatching } from './platform-harness.js';

export interface LiveInstance {
  id: string;
  appId: string;
  releaseId: string;
  type: string;
  index: number;
  /** Its init process and every descendant, or what its cgroup still holds. */
  pids: number[];
}

export interface RuntimeState {
  live: LiveInstance[];
  /**
   * Processes naming the home that belong to no live instance: a build or instance a crash left
   * behind. Only the topmost of each tree (its parent is no stray), so one leak counts once.
   */
  strays: { pid: number; cmdline: string }[];
}

const CGROUP_PIDS = '/sys/fs/cgroup/pids/berth';

export async function readRuntimeState(home: string): Promise<RuntimeState> {
  const instancesDir = join(home, 'runtime', 'instances');
  const ids = await readdir(instancesDir).catch(() => [] as string[]);
  const live: LiveInstance[] = [];
  const owned = new Set<number>();
  for (const id of ids) {
    const text = await readFile(join(instancesDir, id, 'instance.json'), 'utf8').catch(() => undefined);
    // No record: a one-off, or a start that never spawned; the strays scan below sees its processes.
    if (text === undefined) continue;
    const record = JSON.parse(text) as InstanceRecord;
    const pids = await instancePids(record);
    if (pids.length === 0) continue;
    for (const pid of pids) owned.add(pid);
    live.push({ id, appId: record.spec.appId, releaseId: record.spec.releaseId, type: record.spec.processType, index: record.spec.index, pids });
  }
  const candidates = (await processesMatching(home)).filter((pid) => !owned.has(pid));
  const strays: RuntimeState['strays'] = [];
  for (const pid of candidates) {
    const parent = await parentOf(pid);
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim();
    // Gone between the two scans, or part of a stray tree already counted at its top.
    if (parent === undefined || !cmdline || candidates.includes(parent)) continue;
    strays.push({ pid, cmdline });
  }
  return { live, strays };
}

async function instancePids(record: InstanceRecord): Promise<number[]> {
  const fromCgroup = (await readFile(join(CGROUP_PIDS, record.id, 'cgroup.procs'), 'utf8').catch(() => ''))
    .split('\n').filter(Boolean).map(Number);
  const init = (await isSameProcessAlive(record.pid, record.pidStartTime)) ? [record.pid, ...(await descendants(record.pid)).map((d) => d.pid)] : [];
  return [...new Set([...init, ...fromCgroup])];
}

/** The parent pid (field 4 of /proc/<pid>/stat, after the parenthesised name); undefined once gone. */
async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
