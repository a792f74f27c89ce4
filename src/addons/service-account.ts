// The unprivileged system user add-on servers run as (PostgreSQL refuses to run as root, and
// neither server needs root). Its group may traverse BERTH_HOME down to the brokers' folders;
// app users are not in it, so they still cannot reach anything under BERTH_HOME.
import { chmod, chown, mkdir } from 'node:fs/promises';
import { run } from '../platform/exec.js';
import { currentPrivileges, type Privileges } from '../platform/privileges.js';

export const ADDON_USER = 'berth-addons';

export interface ServiceAccount {
  /** Absent when Berth itself is not root: the servers then run as Berth's own user. */
  uid?: number;
  gid?: number;
}

async function lookup(name: string): Promise<ServiceAccount | undefined> {
  const r = await run('getent', ['passwd', name]);
  if (r.code !== 0) return undefined;
  const [, , uid, gid] = r.stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Finds or creates the add-on system user (root only; otherwise servers run as the current user). */
export async function ensureServiceAccount(name = ADDON_USER, privileges: Privileges = currentPrivileges()): Promise<ServiceAccount> {
  if (!privileges.root) return {};
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await lookup(name);
    if (found) return found;
    // Another Berth process (a parallel test) may be adding it at the same time: look again.
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  }
  throw new Error(`could not create the system user ${name}`);
}

/**
 * Makes each directory of `chain` (outermost first) traversable by the account's group only
 * (root:group 0710), creating it if needed.
 */
export async function openPathFor(account: ServiceAccount, chain: readonly string[]): Promise<void> {
  for (const dir of chain) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (account.gid === undefined) continue;
    await chown(dir, 0, account.gid);
    await chmod(dir, 0o710);
  }
}

/** A directory only the account may use (the servers' data). */
export async function privateDirFor(account: ServiceAccount, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (account.uid !== undefined) await chown(dir, account.uid, account.gid ?? account.uid);
  await chmod(dir, 0o700);
}
