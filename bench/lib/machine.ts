// The machine a run happened on: every results file states it, because figures only compare within one machine.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  node: string;
  kernel: string;
  date: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: cpus().length,
    cpuModel: model,
    memTotalMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    date: new Date().toISOString(),
  };
}

/** MemAvailable from /proc/meminfo, in bytes: what the kernel says new processes can still get. */
export function memAvailableBytes(): number {
  const kib = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return Number(kib ?? 0) * 1024;
}
