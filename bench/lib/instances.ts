// Finding an instance's own app process (below its init script and shell) among the process tree.
import { readFileSync } from 'node:fs';
import { processTree } from './proc-stat.js';

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The `node server.js` process started under an instance's init process, if it is running. */
export function appProcess(initPid: number): number | undefined {
  return processTree(initPid).find((p) => cmdline(p).startsWith('node server.js'));
}
