// Scheduled jobs' states on SQLite (migration 5: cron_job_states).
import type Database from 'better-sqlite3';
import type { CronJob } from '../../domain/cron-jobs.js';
import type { CronJobState, CronRepo, CronTrigger } from '../cron-repo.js';

type Row = Record<string, unknown>;

const toState = (r: Row): CronJobState => ({
  appId: r.app_id as string,
  jobId: r.job_id as string,
  suspended: r.suspended === 1,
  handledThrough: r.handled_through as string,
  lastRun: r.last_dyno === null ? null : {
    dyno: r.last_dyno as string,
    startedAt: r.last_started_at as string,
    trigger: r.last_trigger as CronTrigger,
    finishedAt: (r.last_finished_at as string | null) ?? null,
    exitCode: (r.last_exit_code as number | null) ?? null,
    error: (r.last_error as string | null) ?? null,
  },
});

export function sqliteCron(db: Database.Database): CronRepo {
  // A state row exists from the first time the scheduler or a user touches the job.
  const ensure = (appId: string, jobId: string, through: string) =>
    db.prepare('INSERT INTO cron_job_states (app_id, job_id, handled_through) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(appId, jobId, through);
  return {
    async scheduledApps() {
      const rows = db.prepare(`SELECT a.id AS app_id, COALESCE(r.current_at, r.created_at) AS current_at, s.cron_jobs
                               FROM apps a JOIN releases r ON r.id = a.current_release_id JOIN slugs s ON s.id = r.slug_id
                               WHERE s.cron_jobs <> '[]' ORDER BY a.name`).all() as Row[];
      return rows.map((r) => ({ appId: r.app_id as string, currentAt: r.current_at as string, jobs: JSON.parse(r.cron_jobs as string) as CronJob[] }));
    },
    async list(appId) {
      return (db.prepare('SELECT * FROM cron_job_states WHERE app_id = ?').all(appId) as Row[]).map(toState);
    },
    async markHandled(appId, jobId, through) {
      db.prepare(`INSERT INTO cron_job_states (app_id, job_id, handled_through) VALUES (?, ?, ?)
                  ON CONFLICT (app_id, job_id) DO UPDATE SET handled_through = MAX(handled_through, excluded.handled_through)`)
        .run(appId, jobId, through);
    },
    async setSuspended(appId, jobId, suspended, now) {
      ensure(appId, jobId, now);
      db.prepare('UPDATE cron_job_states SET suspended = ? WHERE app_id = ? AND job_id = ?').run(suspended ? 1 : 0, appId, jobId);
    },
    async recordStart(appId, jobId, run) {
      ensure(appId, jobId, run.startedAt);
      db.prepare(`UPDATE cron_job_states SET last_dyno = ?, last_started_at = ?, last_trigger = ?, last_finished_at = NULL,
                  last_exit_code = NULL, last_error = ? WHERE app_id = ? AND job_id = ?`)
        .run(run.dyno, run.startedAt, run.trigger, run.error, appId, jobId);
    },
    async recordFinish(appId, jobId, dyno, end) {
      db.prepare(`UPDATE cron_job_states SET last_finished_at = ?, last_exit_code = ?, last_error = COALESCE(?, last_error)
                  WHERE app_id = ? AND job_id = ? AND last_dyno = ?`)
        .run(end.finishedAt, end.exitCode, end.error ?? null, appId, jobId, dyno);
    },
  };
}
