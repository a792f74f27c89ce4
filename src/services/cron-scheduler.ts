// The scheduler of app.json `cron` jobs, in the API process: once a minute (by the injected clock)
// it runs each due job of each app's current release as a one-off dyno `scheduler.N`, applying the
// job's concurrency policy. What it has dealt with is stored (cron_job_states), so after Berth was
// down a job that missed runs runs once, not once per missed time. It owns the runs it started.
import type { CronJob } from '../domain/cron-jobs.js';
import { parseCronSchedule } from '../domain/cron-schedule.js';
import { BerthError } from '../domain/errors.js';
import type { App } from '../domain/types.js';
import type { CronTrigger, ScheduledApp } from '../store/cron-repo.js';
import type { OneOffDynos } from './one-off-dynos.js';
import type { OneOffEntry } from './one-off-table.js';
import type { ServiceDeps } from './service-deps.js';

const MINUTE = 60_000;

export interface CronSchedulerDeps extends ServiceDeps {
  oneOffDynos: Pick<OneOffDynos, 'startScheduled'>;
}

/** A run this scheduler started and whose process is not gone yet. */
export interface ActiveCronRun {
  dyno: string;
  entry: OneOffEntry;
  exited: Promise<unknown>;
}

type LaunchResult = { dyno?: string; skippedFor?: string; error?: string; code?: BerthError['code'] };

export class CronScheduler {
  private readonly active = new Map<string, Set<ActiveCronRun>>();
  /** Starts of one job take turns, so a cron:run and a due run cannot both pass a `forbid` check. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: CronSchedulerDeps) {}

  /** Checks at once (the catch-up after a restart), then at the start of every minute until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.tick().catch((e: Error) => this.deps.logger.error('cron-tick-failed', { error: e.stack ?? e.message }));
      const now = this.deps.clock.now();
      try {
        await this.deps.clock.sleep(Math.floor(now / MINUTE) * MINUTE + MINUTE - now, signal);
      } catch {
        return; // stopped
      }
    }
  }

  /** One pass over every app: each job due since the last pass it dealt with runs once. */
  async tick(): Promise<void> {
    for (const scheduled of await this.deps.store.cron.scheduledApps()) {
      await this.tickApp(scheduled).catch((e: Error) => this.deps.logger.error('cron-app-failed', { app: scheduled.appId, error: e.stack ?? e.message }));
    }
  }

  /** The runs of this job that are still going (names), for listings. */
  running(appId: string, jobId: string): string[] {
    return [...(this.active.get(`${appId}/${jobId}`) ?? [])].map((r) => r.dyno);
  }

  /**
   * Runs the job now (cron:run), under its concurrency policy: with `forbid` a run still going refuses
   * it (conflict); with `replace` that run is stopped first. Resolves with the new dyno's name.
   */
  async runNow(app: App, job: CronJob, by: string): Promise<string> {
    const started = await this.launch(app, job, 'manual', by);
    if (started.skippedFor) {
      throw new BerthError('conflict', `${job.id} is still running as ${started.skippedFor} and its concurrency policy is forbid; wait for it or stop it (berth ps:stop ${started.skippedFor}).`, 'cron');
    }
    if (started.error) throw new BerthError(started.code ?? 'invalid_params', started.error, 'cron');
    return started.dyno!;
  }

  private async tickApp({ appId, currentAt, jobs }: ScheduledApp): Promise<void> {
    const now = this.deps.clock.now();
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const through = new Date(minute).toISOString();
    const since = Date.parse(currentAt);
    const states = new Map((await this.deps.store.cron.list(appId)).map((s) => [s.jobId, s]));
    let app: App | undefined;
    for (const job of jobs) {
      const state = states.get(job.id);
      const schedule = parseCronSchedule(job.schedule);
      // A job counts from the minute before its release became current: a deploy does not run what was
      // due before it (nor does a job that comes back after weeks away), and a release deployed just
      // before Berth went down catches up once. The minute before: a deploy may land just before the tick.
      const fromRelease = Math.floor(since / MINUTE) * MINUTE - MINUTE;
      const handled = Math.max(state ? Date.parse(state.handledThrough) : fromRelease, fromRelease);
      if (handled >= minute) continue;
      const due = schedule.nextAfter(handled);
      // Nothing is written until a job is due: the release's time is stored already.
      if (due === undefined || due > minute) continue;
      // Recorded before the run starts: a crash now loses this run rather than repeating it at the next start.
      await this.deps.store.cron.markHandled(appId, job.id, through);
      if (state?.suspended) continue;
      app ??= await this.deps.store.apps.byId(appId);
      if (!app) return; // destroyed meanwhile
      // Several missed times (Berth was down) make one run, not a burst; it is on time if this minute is one of them.
      const onTime = schedule.nextAfter(minute - 1) === minute;
      if (!onTime) {
        this.deps.appLog?.write(app.id, 'berth', 'scheduler', `${job.id} missed its run at ${new Date(due).toISOString()} while Berth was not running; running it once now`);
      }
      await this.launch(app, job, onTime ? 'schedule' : 'catch-up', 'scheduler');
    }
  }

  private launch(app: App, job: CronJob, trigger: CronTrigger, by: string): Promise<LaunchResult> {
    const key = `${app.id}/${job.id}`;
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(() => this.launchInTurn(key, app, job, trigger, by));
    const settled = turn.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => { if (this.turns.get(key) === settled) this.turns.delete(key); });
    return turn;
  }

  private async launchInTurn(key: string, app: App, job: CronJob, trigger: CronTrigger, by: string): Promise<LaunchResult> {
    const runs = this.active.get(key) ?? new Set<ActiveCronRun>();
    const say = (line: string) => this.deps.appLog?.write(app.id, 'berth', 'scheduler', line);
    if (runs.size > 0 && job.concurrency === 'forbid') {
      const previous = [...runs][0]!.dyno;
      if (trigger !== 'manual') say(`Skipping ${job.id}: ${previous} is still running (concurrency_policy forbid)`);
      return { skippedFor: previous };
    }
    if (runs.size > 0 && job.concurrency === 'replace') {
      for (const r of runs) {
        say(`Stopping ${r.dyno}: a new run of ${job.id} replaces it (concurrency_policy replace)`);
        r.entry.stop.abort('replaced by a newer run of its job');
      }
      await Promise.allSettled([...runs].map((r) => r.exited));
    }
    const startedAt = new Date(this.deps.clock.now()).toISOString();
    let started;
    try {
      started = await this.deps.oneOffDynos.startScheduled(app, job.command, `${by} (cron ${job.id})`);
    } catch (e) {
      const message = e instanceof BerthError ? e.message : 'an internal error; the operator\'s log has the details';
      if (!(e instanceof BerthError)) this.deps.logger.error('cron-start-failed', { app: app.id, job: job.id, error: (e as Error).stack });
      say(`${job.id} could not run: ${message}`);
      await this.deps.store.cron.recordStart(app.id, job.id, { dyno: '', startedAt, trigger, error: message });
      return { error: message, code: e instanceof BerthError ? e.code : undefined };
    }
    const ended = started.exited.then(
      (exitCode) => ({ exitCode, error: null }),
      (e: Error) => ({ exitCode: null, error: e instanceof BerthError ? e.message : 'it could not start' }),
    );
    const startRecorded = this.deps.store.cron.recordStart(app.id, job.id, { dyno: started.dynoName, startedAt, trigger, error: null });
    // Counted as running from now, so a policy applied meanwhile (a cron:run) sees it.
    const run: ActiveCronRun = {
      dyno: started.dynoName,
      entry: started.entry,
      exited: Promise.all([ended, startRecorded])
        .then(([end]) => this.deps.store.cron.recordFinish(app.id, job.id, started.dynoName, { finishedAt: new Date(this.deps.clock.now()).toISOString(), ...end }))
        .catch((e: Error) => this.deps.logger.error('cron-run-not-recorded', { app: app.id, job: job.id, error: e.message }))
        .finally(() => {
          runs.delete(run);
          if (runs.size === 0 && this.active.get(key) === runs) this.active.delete(key);
        }),
    };
    runs.add(run);
    this.active.set(key, runs);
    await startRecorded;
    return { dyno: run.dyno };
  }
}

/** The jobs of the app's current release (those of its slug) and since when it is current; none before the first deploy. */
export async function currentCronJobs(deps: Pick<ServiceDeps, 'store'>, appId: string): Promise<{ jobs: CronJob[]; since: number }> {
  const release = await deps.store.releases.current(appId);
  const slug = release?.slugId ? await deps.store.slugs.byId(release.slugId) : undefined;
  return { jobs: slug?.cronJobs ?? [], since: Date.parse(release?.currentAt ?? release?.createdAt ?? new Date(0).toISOString()) };
}
