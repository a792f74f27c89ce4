// Reading /proc: whether a recorded pid is still the process we started (pid reuse guard by
// start time), and CPU / memory of a session when there are no cgroups to ask.
import { readFile, readdir } from 'node:fs/promises';

interface ProcStat {
  state: string;
  session: number;
  cpuTicks: number;
  startTime: number;
  rssPages: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_SIZE = 4096;

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The command name is parenthesised and may contain spaces; fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number) => Number(fields[i - 3]);
  return {
    state: fields[0] ?? '',
    session: num(6),
    cpuTicks: num(14) + num(15) + num(16) + num(17),
    startTime: num(22),
    rssPages: num(24),
  };
}

/** True while pid is the very process that started at startTime and has not become a zombie. */
export async function isSameProcessAlive(pid: number, startTime: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** CPU and memory summed over every live process of a session (the instance's processes). */
export async function sessionUsage(sessionId: number): Promise<{ cpuSeconds: number; memoryBytes: number }> {
  let ticks = 0;
  let pages = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readProcStat(Number(entry));
    if (stat?.session !== sessionId) continue;
    ticks += stat.cpuTicks;
    pages += stat.rssPages;
  }
  return { cpuSeconds: ticks / CLOCK_TICKS, memoryBytes: pages * PAGE_SIZE };
}
