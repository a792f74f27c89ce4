// cron, cron:run, cron:suspend, cron:resume: the app's scheduled jobs (app.json `cron`, as on Dokku),
// with their next and last runs; a run's output is in `berth logs` as app[scheduler.N].
import type { CronJob } from '../../client/api-types.js';
import { defineCommand } from '../command.js';
import { appLabel } from '../output.js';

/** `0 (2024-01-01 00:05 UTC, schedule)`, `running as scheduler.1234`, `could not run: …`, `-`. */
export function lastRunText(j: CronJob): string {
  const r = j.last_run;
  if (j.running.length > 0) return `running as ${j.running.join(', ')}`;
  if (!r) return '-';
  const when = `${shortTime(r.started_at)}, ${r.trigger}`;
  if (r.error && r.exit_code === null) return `could not run (${when}): ${r.error}`;
  if (r.exit_code === null) return `interrupted (${when})`;
  return `exit ${r.exit_code} (${when})`;
}

const shortTime = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export const cron = defineCommand({
  name: 'cron',
  aliases: ['cron:list'],
  description: 'list the scheduled jobs of an app (app.json cron) with their next and last runs',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  examples: ['berth cron -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const jobs = await ctx.client().listCronJobs(app);
    if (input.flags.json) return ctx.out.json(jobs);
    if (jobs.length === 0) {
      ctx.out.line(`${appLabel(app)} has no scheduled jobs (add a "cron" list to app.json and deploy).`);
      return;
    }
    ctx.out.header(`${app} Scheduled jobs (UTC)`);
    ctx.out.table(jobs, [
      { header: 'ID', get: (j) => j.id },
      { header: 'Schedule', get: (j) => j.schedule },
      { header: 'Command', get: (j) => j.command },
      { header: 'Concurrency', get: (j) => j.concurrency_policy },
      { header: 'Next run', get: (j) => (j.suspended ? 'suspended' : j.next_run_at ? shortTime(j.next_run_at) : 'never') },
      { header: 'Last run', get: lastRunText },
    ]);
  },
});

const jobArg = [{ name: 'ID', description: 'the job id (berth cron lists them)', required: true }];

export const cronRun = defineCommand({
  name: 'cron:run',
  description: 'run a scheduled job now as a one-off dyno (its output is in berth logs)',
  needsApp: true,
  args: jobArg,
  examples: ['berth cron:run 5c9ad0e1x2 -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const id = input.args.ID!;
    const started = await ctx.out.action(`Running ${id} on ${appLabel(app)}`, () => ctx.client().runCronJob(app, id), (r) => `done, ${r.dyno.name}`);
    ctx.out.line(`Run berth logs --dyno ${started.dyno.name} -a ${app} to see its output.`);
  },
});

const setSuspended = (suspended: boolean) => defineCommand({
  name: suspended ? 'cron:suspend' : 'cron:resume',
  description: suspended ? 'stop running a scheduled job on its schedule (cron:run still runs it)' : 'run a suspended job on its schedule again (missed runs are not replayed)',
  needsApp: true,
  args: jobArg,
  examples: [`berth cron:${suspended ? 'suspend' : 'resume'} 5c9ad0e1x2 -a demo`],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const id = input.args.ID!;
    await ctx.out.action(`${suspended ? 'Suspending' : 'Resuming'} ${id} on ${appLabel(app)}`, () => ctx.client().setCronJobSuspended(app, id, suspended));
  },
});

export const cronSuspend = setSuspended(true);
export const cronResume = setSuspended(false);
