// What the scheduler remembers of each scheduled job across restarts: the last due time it dealt
// with (so missed runs are noticed, and caught up once), the last run and its exit code, and
// whether the job is suspended. Keyed by app and job id: a job that survives a deploy keeps it.
import type { CronJob } from '../domain/cron-jobs.js';
import type { Id } from '../domain/types.js';

export interface CronJobState {
  appId: Id;
  jobId: string;
  suspended: boolean;
  /** The last due time the scheduler dealt with (ran or skipped); ISO, minute precision. */
  handledThrough: string;
  lastRun: CronRunRecord | null;
}

export interface CronRunRecord {
  dyno: string;
  startedAt: string;
  /** `schedule`, `catch-up` or `manual` (cron:run). */
  trigger: CronTrigger;
  finishedAt: string | null;
  /** Null while it runs, or when it never started (see `error`) or was cut off by a server restart. */
  exitCode: number | null;
  /** Why it could not start (the app's one-off cap, no release), worded for the tenant. */
  error: string | null;
}

export type CronTrigger = 'schedule' | 'catch-up' | 'manual';

/** The jobs of one app's current release, and when that release became current. */
export interface ScheduledApp {
  appId: Id;
  currentAt: string;
  jobs: CronJob[];
}

export interface CronRepo {
  /** Every app whose current release has jobs: one read for the scheduler's minute, however many apps have none. */
  scheduledApps(): Promise<ScheduledApp[]>;
  /** The app's job states, in no particular order. */
  list(appId: Id): Promise<CronJobState[]>;
  /** Records that due times up to `through` are dealt with, creating the state on first sight. */
  markHandled(appId: Id, jobId: string, through: string): Promise<void>;
  setSuspended(appId: Id, jobId: string, suspended: boolean, now: string): Promise<void>;
  /** Records a run that has started (or failed to start: `error`), replacing the last one. */
  recordStart(appId: Id, jobId: string, run: Omit<CronRunRecord, 'finishedAt' | 'exitCode'>): Promise<void>;
  /** Completes the last run of that dyno (exit code, or why it could not run); a newer run recorded meanwhile is left alone. */
  recordFinish(appId: Id, jobId: string, dyno: string, end: { finishedAt: string; exitCode: number | null; error?: string | null }): Promise<void>;
}
