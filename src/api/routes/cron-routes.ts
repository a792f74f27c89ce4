// /apps/{app}/cron: the app's scheduled jobs (app.json `cron`, Dokku's key). Berth's own resource,
// since Heroku's Scheduler is an add-on with no platform API: list with next and last runs, run one
// now (POST …/runs), suspend or resume one (PATCH with {"suspended"}).
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { type CronDeps, type CronJobView, listCronJobs, runCronJob, setCronJobSuspended } from '../../services/cron-jobs.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export function cronRoutes(d: Pick<CronDeps, 'scheduler'>) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: CronDeps = { ...ctx, ...d };

    app.get<{ Params: { app: string } }>('/apps/:app/cron', async (req) => {
      const { jobs } = await listCronJobs(deps, actorOf(req), req.params.app);
      return jobs.map(cronJobJson);
    });

    app.post<{ Params: { app: string; id: string } }>('/apps/:app/cron/:id/runs', async (req, reply) => {
      const { app: a, job, dyno } = await runCronJob(deps, actorOf(req), req.params.app, req.params.id);
      return reply.status(201).send({ cron_job: { id: job.id }, dyno: { name: dyno }, app: { id: a.id, name: a.name } });
    });

    app.patch<{ Params: { app: string; id: string }; Body: Record<string, unknown> | undefined }>('/apps/:app/cron/:id', async (req) => {
      const suspended = req.body?.suspended;
      if (typeof suspended !== 'boolean') throw new BerthError('invalid_params', 'suspended must be true or false.', 'cron');
      await setCronJobSuspended(deps, actorOf(req), req.params.app, req.params.id, suspended);
      const { jobs } = await listCronJobs(deps, actorOf(req), req.params.app);
      return cronJobJson(jobs.find((j) => j.id === req.params.id)!);
    });
  };
}

function cronJobJson(j: CronJobView) {
  return {
    id: j.id, command: j.command, schedule: j.schedule, concurrency_policy: j.concurrency, suspended: j.suspended,
    next_run_at: j.nextRunAt, running: j.running,
    last_run: j.lastRun && {
      dyno: j.lastRun.dyno || null, trigger: j.lastRun.trigger, started_at: j.lastRun.startedAt, finished_at: j.lastRun.finishedAt,
      exit_code: j.lastRun.exitCode, error: j.lastRun.error,
    },
  };
}
