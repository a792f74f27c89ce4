// A size-limited filesystem for each docker instance's writable /app. The engine's overlay2 on
// ext4 cannot limit a container's writes (`--storage-opt size` needs xfs project quotas), and a
// tmpfs would hold the app's files in memory. So each instance gets a sparse file formatted as
// ext4 (no journal: the data dies with the instance), attached to a loop device that the engine
// mounts as /app through the local volume driver. The engine copies the image's /app into it
// when the container is created, as it does for any empty volume (mkfs's lost+found would make
// it non-empty, so it is removed).
//
// Nothing is left to clean up by hand: the file is unlinked as soon as the loop device holds it,
// and once the container is started the device is marked to detach itself (autoclear) when its
// filesystem is unmounted, i.e. when the container stops. Devices of a Berth killed between the
// two steps are detached at the next start (removeLeftovers).
import { randomUUID } from 'node:crypto';
import { mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../platform/logger.js';
import { runChecked } from '../../platform/exec.js';
import { DYNO_USER } from './container-spec.js';

export class InstanceDisks {
  private usable: Promise<boolean> | undefined;

  /** dir: where the backing files live for a moment, one per BERTH_HOME (it scopes removeLeftovers). */
  constructor(private readonly dir: string, private readonly logger: Logger) {}

  /**
   * A loop device with an empty ext4 filesystem of sizeMb, for one container's /app; undefined
   * when this machine cannot make one (not root, no loop devices), which is logged once.
   */
  async create(sizeMb: number): Promise<string | undefined> {
    this.usable ??= this.probe();
    if (!(await this.usable)) return undefined;
    return this.make(sizeMb);
  }

  /**
   * Called once the container has started (or failed to): the device detaches itself when the
   * filesystem is unmounted, or at once if it never was mounted.
   */
  async release(device: string): Promise<void> {
    await runChecked('losetup', ['--detach', device]).catch((e: Error) => this.logger.warn('instance-disk-release-failed', { device, error: e.message }));
  }

  /** Detaches the devices a killed Berth left attached (mounted ones just get autoclear). */
  async removeLeftovers(): Promise<number> {
    const listed = await runChecked('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']).catch(() => '');
    const devices = listed ? (JSON.parse(listed) as { loopdevices?: { name: string; 'back-file'?: string | null }[] }).loopdevices ?? [] : [];
    const ours = devices.filter((d) => (d['back-file'] ?? '').startsWith(`${this.dir}${path.sep}`));
    for (const device of ours) await this.release(device.name);
    return ours.length;
  }

  private async probe(): Promise<boolean> {
    try {
      await this.release(await this.make(8));
      return true;
    } catch (e) {
      this.logger.warn('instance-disk-limit-unavailable', { reason: (e as Error).message, effect: '/app of docker instances has no size limit' });
      return false;
    }
  }

  private async make(sizeMb: number): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${randomUUID()}.img`);
    try {
      await writeFile(file, '', { mode: 0o600 });
      await truncate(file, sizeMb * 1024 * 1024);
      // -i 8192: node_modules-sized trees need more inodes than the default ratio gives.
      await runChecked('mkfs.ext4', ['-q', '-F', '-m', '0', '-i', '8192', '-O', '^has_journal', '-E', `lazy_itable_init=1,root_owner=${DYNO_USER}`, file]);
      await runChecked('debugfs', ['-w', '-R', 'rmdir lost+found', file]);
      return (await runChecked('losetup', ['--find', '--show', file])).trim();
    } finally {
      // The loop device keeps the file open; its blocks are freed when the device detaches.
      await rm(file, { force: true });
    }
  }
}
