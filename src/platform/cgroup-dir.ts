// Removing a cgroup directory. The kernel refuses (EBUSY) until the group's last task is reaped,
// which lags a kill by a moment (seconds for one the OOM killer stopped on a loaded host), so
// removal is retried briefly; a group that is already gone is fine.
import { rmdir } from 'node:fs/promises';

export async function removeCgroupDir(dir: string, opts: { attempts: number; whileBusy?: () => Promise<void> }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= opts.attempts) throw e;
      await opts.whileBusy?.();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
