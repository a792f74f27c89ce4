// What the node meter (node-meter.ts) prints and what Berth makes of it: every few seconds, one line
// per node with the machine's cumulative CPU time (/proc/stat) and its memory (/proc/meminfo), then
// one line per running container on the node with its cgroup counters; less often, one line per
// running Berth instance with the disk its writable working directory holds. The machine's use
// between two node lines, a container's stats and its disk from their lines. No I/O here.
import type { InstanceStats } from '../runtime.js';
import type { Resources } from '../fleet.js';

/** The first word of every reading line; anything else the task prints is not a reading. */
export const READING_TAG = 'berth-meter';
/** The first word of a container's reading line. */
export const CONTAINER_READING_TAG = 'berth-meter-container';
/** The first word of a container's disk line. */
export const DISK_READING_TAG = 'berth-meter-disk';
/** The line format's version: a meter of another version is not read. */
export const READING_VERSION = '1';

export interface NodeReading {
  /** Online CPUs. */
  cpus: number;
  /** CPU time of all CPUs together (in the kernel's ticks): busy, and busy + idle. */
  busyTicks: number;
  totalTicks: number;
  memoryTotalBytes: number;
  /** What the kernel could hand out without swapping (MemAvailable): free memory plus the page cache it can drop. */
  memoryAvailableBytes: number;
}

type Eleven = [number, number, number, number, number, number, number, number, number, number, number];

/** One reading line as the meter's task prints it: `berth-meter 1 <cpus> <user nice system idle iowait irq softirq steal> <MemTotal kB> <MemAvailable kB>`. */
export function parseReading(line: string): NodeReading | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== READING_TAG || words[1] !== READING_VERSION || words.length !== 13) return undefined;
  const numbers = words.slice(2).map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) return undefined;
  const [cpus, user, nice, system, idle, iowait, irq, softirq, steal, memTotalKb, memAvailableKb] = numbers as Eleven;
  // guest time is already counted in user (the kernel adds it there), so it is not added again.
  const busyTicks = user + nice + system + irq + softirq + steal;
  return { cpus, busyTicks, totalTicks: busyTicks + idle + iowait, memoryTotalBytes: memTotalKb * 1024, memoryAvailableBytes: memAvailableKb * 1024 };
}

export interface ContainerReading {
  /** The engine's full container id (64 hex digits), as a task's status names it. */
  containerId: string;
  stats: InstanceStats;
}

/** A cgroup v1 memory limit this high is no limit (the kernel's "unlimited" is 2^63 rounded down to a page). */
const NO_LIMIT_FROM = 2 ** 62;

/**
 * One container line: `berth-meter-container 1 <id> <cpuacct.usage ns> <memory.stat total_rss> <memory.limit_in_bytes>`.
 * The CPU counter may pass 2^53 ns (104 days of CPU): a float keeps it to far better than the sampler needs.
 */
export function parseContainerReading(line: string): ContainerReading | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== CONTAINER_READING_TAG || words[1] !== READING_VERSION || words.length !== 6) return undefined;
  const [containerId, cpuNs, rss, limit] = words.slice(2) as [string, string, string, string];
  if (!/^[0-9a-f]{64}$/.test(containerId) || ![cpuNs, rss, limit].every((w) => /^[0-9]+$/.test(w))) return undefined;
  const limitBytes = Number(limit);
  return {
    containerId,
    stats: { cpuSeconds: Number(cpuNs) / 1e9, memoryBytes: Number(rss), ...(limitBytes > 0 && limitBytes < NO_LIMIT_FROM ? { memoryLimitBytes: limitBytes } : {}) },
  };
}

/**
 * The machine's use between two readings: CPUs busy on average over the time between them (1 = one
 * core), and the memory in use at the later one (total − available, as `free` counts it: the page
 * cache the kernel can drop is not in use). Undefined when the later one is not later (a reboot
 * restarts the counters, or lines arrived out of order).
 */
export function usageBetween(earlier: NodeReading, later: NodeReading): Resources | undefined {
  const total = later.totalTicks - earlier.totalTicks;
  const busy = later.busyTicks - earlier.busyTicks;
  if (total <= 0 || busy < 0) return undefined;
  return { cpus: (busy / total) * later.cpus, memoryBytes: Math.max(0, later.memoryTotalBytes - later.memoryAvailableBytes) };
}

/**
 * A line of the manager's service logs asked for with `details`: the engine puts the task's context
 * first (`com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=…`,
 * query-escaped, comma-separated), then a space and the line the task printed.
 */
export function splitServiceLogLine(line: string): { nodeId: string; taskId: string; message: string } | undefined {
  const space = line.indexOf(' ');
  if (space < 0) return undefined;
  const context = new URLSearchParams(line.slice(0, space).replaceAll(',', '&'));
  const nodeId = context.get('com.docker.swarm.node.id');
  const taskId = context.get('com.docker.swarm.task.id');
  if (!nodeId || !taskId) return undefined;
  return { nodeId, taskId, message: line.slice(space + 1) };
}

export interface DiskReading {
  containerId: string;
  /** What its writable working directory (the volume the engine copied the image's into) holds on disk. */
  bytes: number;
}

/** One disk line: `berth-meter-disk 1 <container id> <KiB in use, as du -sk counts it>`. */
export function parseDiskReading(line: string): DiskReading | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== DISK_READING_TAG || words[1] !== READING_VERSION || words.length !== 4) return undefined;
  const [containerId, kib] = words.slice(2) as [string, string];
  if (!/^[0-9a-f]{64}$/.test(containerId) || !/^[0-9]+$/.test(kib)) return undefined;
  return { containerId, bytes: Number(kib) * 1024 };
}
