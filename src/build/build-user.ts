// The unprivileged `berth-build` account builds run as when Berth runs as root.
import { readFile } from 'node:fs/promises';
import { run, runChecked } from '../platform/exec.js';
import type { BuildUser } from './buildpack.js';

export const BUILD_USER_NAME = 'berth-build';

async function lookup(name: string): Promise<BuildUser | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Returns the build user, creating it (a system account without a home or a login shell) when
 * missing. Returns undefined when not root: then builds run as the current user, as they must.
 */
export async function ensureBuildUser(name = BUILD_USER_NAME): Promise<BuildUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await lookup(name);
    if (found) return found;
    // Parallel builds may race to create it; useradd then fails on the lock or the name, and we look again.
    const r = await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
    if (r.code !== 0) await new Promise((res) => setTimeout(res, 200 * (attempt + 1)));
  }
  const found = await lookup(name);
  if (!found) throw new Error(`could not create the build user ${name}`);
  return found;
}

/** Gives a tree to an owner without following the symlinks inside it. */
export async function chownTree(dir: string, owner: BuildUser): Promise<void> {
  await runChecked('chown', ['-R', '-P', `${owner.uid}:${owner.gid}`, '--', dir]);
}
