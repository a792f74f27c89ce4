// BERTH_HOME/run/<role>.pid: which process serves as this home's API or router, so that a new
// supervisor can adopt a router that outlived the old one, and operators can find them.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../platform/private-file.js';

export type ProcessRole = 'api' | 'router';

export const pidFilePath = (runDir: string, role: ProcessRole): string => join(runDir, `${role}.pid`);

export function writePidFile(runDir: string, role: ProcessRole, pid: number): void {
  writePrivateFile(pidFilePath(runDir, role), `${pid}\n`);
}

export function readPidFile(runDir: string, role: ProcessRole): number | undefined {
  const pid = Number(readOptionalFile(pidFilePath(runDir, role))?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Removes the pid file only if it still names `pid` (a newer process may have written its own). */
export function removePidFile(runDir: string, role: ProcessRole, pid: number): void {
  if (readPidFile(runDir, role) === pid) rmSync(pidFilePath(runDir, role), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` really is `berth <role>` for this BERTH_HOME: pid files outlive their process,
 * and the number may by now belong to anything else.
 */
export function isBerthProcess(pid: number, role: ProcessRole, home: string | undefined): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.findIndex((a) => /(^|\/)berth(\.js)?$/.test(a));
    if (at < 0 || args[at + 1] !== role) return false;
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const theirHome = env.find((e) => e.startsWith('BERTH_HOME='))?.slice('BERTH_HOME='.length) || undefined;
    return theirHome === (home || undefined);
  } catch {
    return false;
  }
}
