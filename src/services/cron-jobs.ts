// The cron use cases: list an app's scheduled jobs (those of its current release) with their next
// and last runs, run one now, suspend and resume one. The scheduler does the running.
import { CRON_JOB_ID, type CronJob } from '../domain/cron-jobs.js';
import { parseCronSchedule } from '../domain/cron-schedule.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import type { CronRunRecord } from '../store/cron-repo.js';
import { authorize } from './authorization.js';
import { type CronScheduler, currentCronJobs } from './cron-scheduler.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export interface CronJobView extends CronJob {
  suspended: boolean;
  /** The next due time (ISO), or null when suspended or it never comes again. */
  nextRunAt: string | null;
  lastRun: CronRunRecord | null;
  /** Its runs going now (`scheduler.N`). */
  running: string[];
}

export interface CronDeps extends ServiceDeps {
  scheduler: Pick<CronScheduler, 'running' | 'runNow'>;
}

export async function listCronJobs(deps: CronDeps, actor: User, appRef: string): Promise<{ app: App; jobs: CronJobView[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const { jobs } = await currentCronJobs(deps, app.id);
  const states = new Map((await deps.store.cron.list(app.id)).map((s) => [s.jobId, s]));
  const now = deps.clock.now();
  return {
    app,
    jobs: jobs.map((job) => {
      const state = states.get(job.id);
      const suspended = state?.suspended ?? false;
      const next = suspended ? undefined : parseCronSchedule(job.schedule).nextAfter(now);
      return {
        ...job, suspended, nextRunAt: next === undefined ? null : new Date(next).toISOString(),
        lastRun: state?.lastRun ?? null, running: deps.scheduler.running(app.id, job.id),
      };
    }),
  };
}

/** Runs the job now as `scheduler.N`; resolves with that name. */
export async function runCronJob(deps: CronDeps, actor: User, appRef: string, jobId: string): Promise<{ app: App; job: CronJob; dyno: string }> {
  const { app, job } = await findJob(deps, actor, appRef, jobId);
  const dyno = await deps.scheduler.runNow(app, job, actor.email);
  await deps.store.events.append(auditEntry(actor, app, 'cron-run', { job: job.id, dyno }));
  return { app, job, dyno };
}

/** Suspends (no scheduled runs; cron:run still runs it) or resumes the job; resuming does not run what was missed. */
export async function setCronJobSuspended(deps: CronDeps, actor: User, appRef: string, jobId: string, suspended: boolean): Promise<{ app: App; job: CronJob }> {
  const { app, job } = await findJob(deps, actor, appRef, jobId);
  const now = new Date(deps.clock.now()).toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.cron.setSuspended(app.id, job.id, suspended, now);
    await tx.events.append(auditEntry(actor, app, suspended ? 'cron-suspended' : 'cron-resumed', { job: job.id }));
  });
  deps.appLog?.write(app.id, 'berth', 'api', `${suspended ? 'Suspend' : 'Resume'} cron ${job.id} by ${actor.email}`);
  return { app, job };
}

async function findJob(deps: CronDeps, actor: User, appRef: string, jobId: string): Promise<{ app: App; job: CronJob }> {
  const app = await authorize(deps.store, actor, appRef, 'operate');
  const job = CRON_JOB_ID.test(jobId) ? (await currentCronJobs(deps, app.id)).jobs.find((j) => j.id === jobId) : undefined;
  if (!job) throw new BerthError('cron_job_not_found', `${app.name} has no scheduled job ${jobId}; berth cron -a ${app.name} lists them.`, 'cron');
  return { app, job };
}
