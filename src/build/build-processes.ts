// Ending every process a build left behind: whatever a build started in the background (or with
// setsid, outside its process group) would otherwise keep running as the app's build uid.
import { readdir, readFile } from 'node:fs/promises';
import { run } from '../platform/exec.js';
import type { BuildUser } from './buildpack.js';
import { BUILD_PATH } from './build-step.js';

const ATTEMPTS = 100;
const PAUSE_MS = 50;

/** Pids of live processes whose real or effective uid is `uid` (zombies hold nothing and are skipped). */
export async function processesOf(uid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // The process may exit between the listing and the read.
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const ids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (!ids || state === 'Z' || state === 'X') continue;
    if (Number(ids[1]) === uid || Number(ids[2]) === uid) pids.push(Number(name));
  }
  return pids;
}

/**
 * Kills every process of the build user and waits until none is left. kill(-1) sent AS that user
 * reaches exactly the processes it may signal (its own), which no pid-by-pid kill from root could
 * do without racing pid reuse. Repeated, because a process may fork while the first kill lands.
 * Safe only because one app's builds run one at a time. Throws if some survive.
 */
export async function killBuildProcesses(user: BuildUser): Promise<void> {
  let left: number[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    left = await processesOf(user.uid);
    if (left.length === 0) return;
    // Exactly procps' documented form (`kill -9 -1`: "kill all processes you can kill"); it misreads others.
    await run('kill', ['-9', '-1'], { uid: user.uid, gid: user.gid, cwd: '/', env: { PATH: BUILD_PATH } });
    await new Promise((res) => setTimeout(res, attempt === 0 ? 0 : PAUSE_MS));
  }
  throw new Error(`processes of build uid ${user.uid} survived SIGKILL: ${left.join(', ')}`);
}
