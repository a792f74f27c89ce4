// The unprivileged uid/gid an app's builds run as when Berth runs as root: derived from the app id,
// so no two apps' builds (nor a build and any app's instances) share an account.
import { createHash } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { runChecked } from '../platform/exec.js';
import type { BuildUser } from './buildpack.js';
import { currentPrivileges, type Privileges } from '../platform/privileges.js';

// Far from the runtime's app uids (200_000–299_999) and from system/login accounts, and wide
// enough that two apps sharing a build uid is negligible (n²/2e9: ~5e-4 for 1,000 apps).
const FIRST_BUILD_UID = 1_000_000_000;
const BUILD_UID_RANGE = 1_000_000_000;

/** The build uid of an app; its gid is the same number. No passwd entry: HOME is set for every step. */
export function buildUid(appId: string): number {
  const digest = createHash('sha256').update(`build:${appId}`).digest();
  return FIRST_BUILD_UID + (digest.readUInt32BE(0) % BUILD_UID_RANGE);
}

/**
 * The account the app's builds run as; undefined when Berth is not root, since builds can then only
 * run as the current user (and no other tenant's build can be isolated from them anyway).
 */
export function buildUserFor(appId: string | undefined, privileges: Privileges = currentPrivileges()): BuildUser | undefined {
  if (!privileges.root) return undefined;
  if (!appId) throw new Error('a build run as root needs the app id to pick its build user');
  const uid = buildUid(appId);
  return { uid, gid: uid };
}

/** Gives a tree to the build user without following the symlinks inside it; its top becomes 0700. */
export async function chownTree(dir: string, owner: BuildUser): Promise<void> {
  await runChecked('chown', ['-R', '-P', `${owner.uid}:${owner.gid}`, '--', dir]);
  await chmod(dir, 0o700);
}
