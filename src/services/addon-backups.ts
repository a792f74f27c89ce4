// pg:backups: pg_dump files of an app's PostgreSQL add-on under BERTH_HOME/backups/<addon>/,
// numbered b001, b002… per add-on; restore replaces the data and needs the app name to confirm.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupCapability } from '../addons/broker.js';
import { backupLabel, type Addon, type AddonBackup } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import type { AddonDeps } from './addon-deps.js';
import { addonOfApp } from './addon-access.js';
import type { AppPermission } from '../domain/app-permissions.js';
import { authorize } from './authorization.js';
import { auditEntry } from './audit-entry.js';

interface Target { app: App; addon: Addon; backups: BackupCapability }

async function target(deps: AddonDeps, actor: User, appRef: string, addonRef: string, permission: AppPermission): Promise<Target> {
  const app = await authorize(deps.store, actor, appRef, permission);
  const { addon } = await addonOfApp(deps.store, app, addonRef);
  const backups = deps.brokers.forService(addon.service).backups;
  if (!backups) throw new BerthError('invalid_params', `${addon.name} is a ${addon.service} add-on; backups are for PostgreSQL add-ons.`, 'addon');
  return { app, addon, backups };
}

const fileOf = (deps: AddonDeps, backup: Pick<AddonBackup, 'addonId' | 'id'>) => join(deps.backupsDir, backup.addonId, `${backup.id}.dump`);

/** `b003`, `3` or a backup id. */
async function findBackup(deps: AddonDeps, addon: Addon, ref: string): Promise<AddonBackup> {
  const num = /^b?\d{1,9}$/i.test(ref) ? Number(ref.replace(/^b/i, '')) : undefined;
  const backup = num !== undefined
    ? await deps.store.addons.backupByNum(addon.id, num)
    : (await deps.store.addons.backups(addon.id)).find((b) => b.id === ref);
  if (!backup) throw new BerthError('backup_not_found', `Couldn't find backup ${ref} of ${addon.name}.`, 'backup');
  return backup;
}

/** Takes a backup now and returns when it is written (or failed). */
export async function captureBackup(deps: AddonDeps, actor: User, appRef: string, addonRef: string): Promise<{ app: App; addon: Addon; backup: AddonBackup }> {
  const { app, addon, backups } = await target(deps, actor, appRef, addonRef, 'operate');
  const backup = await deps.store.addons.createBackup({ addonId: addon.id, appId: app.id });
  const file = fileOf(deps, backup);
  try {
    await mkdir(join(deps.backupsDir, addon.id), { recursive: true, mode: 0o700 });
    await backups.capture(addon.id, file);
    const size = (await stat(file)).size;
    deps.appLog?.write(app.id, 'berth', 'api', `Backup ${backupLabel(backup.num)} of ${addon.name} captured by ${actor.email}`);
    await deps.store.events.append(auditEntry(actor, app, 'addon-backup-captured', { addon: addon.name, backup: backupLabel(backup.num) }));
    return { app, addon, backup: await deps.store.addons.finishBackup(backup.id, { status: 'succeeded', sizeBytes: size }) };
  } catch (e) {
    deps.logger.error('backup-failed', { addon: addon.name, error: (e as Error).message });
    await rm(file, { force: true });
    await deps.store.addons.finishBackup(backup.id, { status: 'failed', sizeBytes: 0 });
    throw new BerthError('conflict', `Backup of ${addon.name} failed: ${(e as Error).message}`, 'backup');
  }
}

export async function listBackups(deps: AddonDeps, actor: User, appRef: string, addonRef: string): Promise<{ app: App; addon: Addon; backups: AddonBackup[] }> {
  const { app, addon } = await target(deps, actor, appRef, addonRef, 'view');
  return { app, addon, backups: await deps.store.addons.backups(addon.id) };
}

export async function restoreBackup(deps: AddonDeps, actor: User, appRef: string, addonRef: string, ref: string, confirm: unknown): Promise<{ app: App; addon: Addon; backup: AddonBackup }> {
  // Restoring overwrites the database: manage, as destroying an add-on is.
  const { app, addon, backups } = await target(deps, actor, appRef, addonRef, 'manage');
  const backup = await findBackup(deps, addon, ref);
  if (confirm !== app.name) {
    throw new BerthError('confirmation_required', `Restoring replaces the data of ${addon.name}. Confirm with the app name: confirm=${app.name}.`, 'backup');
  }
  if (backup.status !== 'succeeded') throw new BerthError('invalid_params', `Backup ${backupLabel(backup.num)} did not succeed.`, 'backup');
  try {
    await backups.restore(addon.id, fileOf(deps, backup));
  } catch (e) {
    throw new BerthError('conflict', `Restore of ${addon.name} failed: ${(e as Error).message}`, 'backup');
  }
  deps.appLog?.write(app.id, 'berth', 'api', `Backup ${backupLabel(backup.num)} restored into ${addon.name} by ${actor.email}`);
  await deps.store.events.append(auditEntry(actor, app, 'addon-backup-restored', { addon: addon.name, backup: backupLabel(backup.num) }));
  return { app, addon, backup };
}

/** The dump file of a backup, for download. */
export async function backupFile(deps: AddonDeps, actor: User, appRef: string, addonRef: string, ref: string): Promise<{ backup: AddonBackup; file: string; size: number }> {
  // A dump holds the data itself, as config vars hold the credentials: deploy.
  const { addon } = await target(deps, actor, appRef, addonRef, 'deploy');
  const backup = await findBackup(deps, addon, ref);
  const file = fileOf(deps, backup);
  const size = await stat(file).then((s) => s.size, () => -1);
  if (backup.status !== 'succeeded' || size < 0) throw new BerthError('backup_not_found', `Backup ${backupLabel(backup.num)} has no file to download.`, 'backup');
  return { backup, file, size };
}
