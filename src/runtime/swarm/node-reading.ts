// What the node meter (node-meter.ts) prints and what Berth makes of it: one line per node every few
// seconds with the machine's cumulative CPU time (/proc/stat) and its memory (/proc/meminfo), and
// the use between two such lines. No I/O here.
import type { Resources } from '../fleet.js';

/** The first word of every reading line; anything else the task prints is not a reading. */
export const READING_TAG = 'berth-meter';
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
