// Scheduled jobs as a release carries them (from app.json's `cron`, Dokku's key): what runs, when, and
// what happens when a run is due while the previous one still runs. The id is derived from the
// schedule and the command, so a job keeps its id, last run and suspension across deploys that keep it.
import { createHash } from 'node:crypto';

/** `forbid`: skip a due run while one runs; `allow`: run alongside; `replace`: stop the running one first. */
export type ConcurrencyPolicy = 'forbid' | 'allow' | 'replace';
export const CONCURRENCY_POLICIES: readonly ConcurrencyPolicy[] = ['forbid', 'allow', 'replace'];

export interface CronJob {
  id: string;
  command: string;
  /** Cron syntax as written (five fields or @daily …), in UTC. */
  schedule: string;
  concurrency: ConcurrencyPolicy;
}

/** Ten lowercase letters and digits, stable for the same schedule and command (Dokku derives its ids the same way). */
export function cronJobId(schedule: string, command: string): string {
  return BigInt('0x' + createHash('sha256').update(`${schedule.trim()}\n${command}`).digest('hex').slice(0, 16))
    .toString(36).padStart(10, '0').slice(-10);
}

export const CRON_JOB_ID = /^[a-z0-9]{10}$/;
