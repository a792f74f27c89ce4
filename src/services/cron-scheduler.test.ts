// Scheduled jobs against the fake runtime and a FakeClock: when they run, what a run still going does
// to the next one (forbid, allow, replace), suspension, and one catch-up after Berth was down.
import { afterEach, expect, it } from 'vitest';
import { cronJobId, type ConcurrencyPolicy, type CronJob } from '../domain/cron-jobs.js';
import type { User } from '../domain/types.js';
import { healthWorld, PROCESS_TYPES, type HealthWorld } from '../health/testing/health-world.js';
import { silentLogger } from '../platform/logger.js';
import { listCronJobs, runCronJob, setCronJobSuspended, type CronDeps } from './cron-jobs.js';
import { CronScheduler } from './cron-scheduler.js';
import { eventually } from './testing/eventually.js';
import { OneOffDynos, type OneOffDeps } from './one-off-dynos.js';
import { OneOffTable } from './one-off-table.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const worlds: HealthWorld[] = [];
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  for (const w of worlds.splice(0)) await w.cleanup();
});

const job = (command: string, schedule = '* * * * *', concurrency: ConcurrencyPolicy = 'forbid'): CronJob =>
  ({ id: cronJobId(schedule, command), command, schedule, concurrency });

/** The health world's app (clock at 2024-01-01T00:00:00Z), a release whose slug has these jobs, and a scheduler. */
async function setup(jobs: CronJob[]) {
  const w = await healthWorld({ web: 1 });
  worlds.push(w);
  const actor = (await w.store.users.byId(w.app.ownerId)) as User;
  const deploy = async (cronJobs: CronJob[]) => {
    const slug = await w.store.slugs.create({
      appId: w.app.id, location: '/slugs/demo', processTypes: PROCESS_TYPES, buildpackDescription: 'Node.js', commit: null, sizeBytes: 1, cronJobs,
    });
    return w.store.releases.create({ appId: w.app.id, description: 'Deploy', current: true, slugId: slug.id, config: { A: '1' }, userId: actor.id });
  };
  await deploy(jobs);
  const events = new PlatformEvents();
  const base = {
    store: w.store, clock: w.clock, events, logger: silentLogger, defaultStack: 'berth-24',
    releaseOwner: new ReleaseOwner({ store: w.store, clock: w.clock, events, logger: silentLogger, releaseTimeoutMs: HOUR }),
    appLog: { write: (_app: string, source: string, dyno: string, message: string) => void w.appLog.push(`${source}[${dyno}]: ${message}`) },
  };
  const oneOffDeps: OneOffDeps = { ...base, runtime: w.runtime, oneOffs: new OneOffTable(), maxLifetimeMs: 24 * HOUR };
  const oneOffDynos = new OneOffDynos(oneOffDeps);
  const newScheduler = () => new CronScheduler({ ...base, oneOffDynos });
  let scheduler = newScheduler();
  const startScheduler = () => {
    const stop = new AbortController();
    stops.push(stop);
    void scheduler.start(stop.signal);
    return stop;
  };
  const cronDeps = (): CronDeps => ({ ...base, scheduler });
  /** Commands of every scheduled one-off started so far, in order. */
  const runs = () => w.runtime.oneOffSpecs.map((s) => `${s.dynoName?.replace(/\d+$/, 'N')} ${s.command}`);
  const running = () => w.runtime.runningOneOffs();
  const lastRun = async (jobId: string) => (await w.store.cron.list(w.app.id)).find((s) => s.jobId === jobId)?.lastRun;
  return {
    w, actor, deploy, oneOffDeps, startScheduler, cronDeps, runs, running, lastRun,
    restartScheduler: () => { scheduler = newScheduler(); return startScheduler(); },
    at: () => new Date(w.clock.now()).toISOString(),
  };
}

it('runs an every-minute job at each minute, as scheduler.N of the current release, and records its exit code', async () => {
  const tick = job('node tick.js');
  const { w, startScheduler, runs, running, lastRun } = await setup([tick]);
  startScheduler();
  await eventually('the run at 00:00', () => runs().length === 1);
  expect(runs()).toEqual(['scheduler.N node tick.js']);
  expect(w.runtime.oneOffSpecs[0]).toMatchObject({ processType: 'scheduler', env: { A: '1' }, slug: '/slugs/demo' });
  expect(w.appLog).toContain(`berth[api]: Starting process with command \`node tick.js\` by scheduler (cron ${tick.id})`);

  await w.clock.advance(30_000);
  expect(runs()).toHaveLength(1); // not before the minute
  w.runtime.finishOneOff(running()[0]!, 3);
  await eventually('the exit code recorded', async () => (await lastRun(tick.id))?.exitCode === 3);
  expect(await lastRun(tick.id)).toMatchObject({ trigger: 'schedule', startedAt: '2024-01-01T00:00:00.000Z', finishedAt: '2024-01-01T00:00:30.000Z' });

  await w.clock.advance(30_000);
  await eventually('the run at 00:01', () => runs().length === 2);
  expect((await lastRun(tick.id))?.startedAt).toBe('2024-01-01T00:01:00.000Z');
});

it('forbid (the default) skips a due run while the previous one still runs, and says so', async () => {
  const tick = job('node slow.js');
  const { w, startScheduler, runs, running } = await setup([tick]);
  startScheduler();
  await eventually('the first run', () => runs().length === 1);
  const first = running()[0]!;
  await w.clock.advance(MINUTE);
  await eventually('the skip', () => w.appLog.some((l) => l.includes(`Skipping ${tick.id}: ${first} is still running`)));
  expect(running()).toEqual([first]);
  w.runtime.finishOneOff(first, 0);
  await w.clock.advance(MINUTE);
  await eventually('the next run once it ended', () => runs().length === 2);
});

it('replace stops the running one before starting the new one; allow runs them side by side', async () => {
  const replaced = job('node replace.js', '* * * * *', 'replace');
  const allowed = job('node allow.js', '* * * * *', 'allow');
  const { w, startScheduler, runs, running, lastRun } = await setup([replaced, allowed]);
  startScheduler();
  await eventually('both first runs', () => running().length === 2);
  const firstReplaced = w.runtime.oneOffSpecs.find((s) => s.command === 'node replace.js')!.dynoName!;
  await w.clock.advance(MINUTE);
  await eventually('the second runs', () => runs().length === 4);
  expect(running()).toHaveLength(3);
  expect(running()).not.toContain(firstReplaced);
  expect(w.appLog).toContain(`berth[scheduler]: Stopping ${firstReplaced}: a new run of ${replaced.id} replaces it (concurrency_policy replace)`);
  expect(w.runtime.oneOffSpecs.filter((s) => s.command === 'node allow.js')).toHaveLength(2);
  expect((await lastRun(replaced.id))?.dyno).not.toBe(firstReplaced);
});

it('after Berth was down, a job that missed runs runs once at start, not once per missed time', async () => {
  // allow: a burst of replays would show as several runs side by side.
  const tick = job('node tick.js', '*/5 * * * *', 'allow');
  const { w, startScheduler, restartScheduler, runs, running, lastRun } = await setup([tick]);
  const stop = startScheduler();
  await eventually('the run at 00:00', () => runs().length === 1);
  w.runtime.finishOneOff(running()[0]!, 0);
  stop.abort();
  // Down from 00:00:30 to 00:12:30: the runs of 00:05 and 00:10 are missed.
  await w.clock.advance(12 * MINUTE);
  expect(runs()).toHaveLength(1);
  restartScheduler();
  await eventually('one catch-up', async () => (await lastRun(tick.id))?.trigger === 'catch-up');
  await w.clock.advance(0);
  expect(runs()).toHaveLength(2);
  expect(w.appLog).toContain(`berth[scheduler]: ${tick.id} missed its run at 2024-01-01T00:05:00.000Z while Berth was not running; running it once now`);
  w.runtime.finishOneOff(running()[0]!, 0);
  await w.clock.advance(MINUTE);
  expect(runs()).toHaveLength(2);
  await w.clock.advance(2 * MINUTE);
  await eventually('the next on-time run at 00:15', () => runs().length === 3);
  expect(await lastRun(tick.id)).toMatchObject({ trigger: 'schedule', startedAt: '2024-01-01T00:15:00.000Z' });
});

it('a suspended job does not run until resumed, and resuming does not replay what it missed; cron:run still runs it', async () => {
  const daily = job('node report.js', '0 * * * *');
  const { w, actor, startScheduler, cronDeps, runs, running } = await setup([daily]);
  startScheduler();
  await eventually('the run at 00:00', () => runs().length === 1);
  w.runtime.finishOneOff(running()[0]!, 0);
  await setCronJobSuspended(cronDeps(), actor, 'demo', daily.id, true);
  expect((await listCronJobs(cronDeps(), actor, 'demo')).jobs[0]).toMatchObject({ suspended: true, nextRunAt: null });
  await w.clock.advance(HOUR + MINUTE);
  expect(runs()).toHaveLength(1);
  await setCronJobSuspended(cronDeps(), actor, 'demo', daily.id, false);
  await w.clock.advance(MINUTE);
  expect(runs()).toHaveLength(1);
  expect((await listCronJobs(cronDeps(), actor, 'demo')).jobs[0]).toMatchObject({ suspended: false, nextRunAt: '2024-01-01T02:00:00.000Z' });

  const { dyno } = await runCronJob(cronDeps(), actor, 'demo', daily.id);
  expect(dyno).toMatch(/^scheduler\.\d+$/);
  expect(running()).toEqual([dyno]);
});

it('lists the current release\'s jobs with next and last run; a rollback to an older slug brings its own jobs', async () => {
  const tick = job('node tick.js', '*/5 * * * *');
  const { w, actor, deploy, startScheduler, cronDeps, running } = await setup([tick]);
  startScheduler();
  await eventually('the run at 00:00', () => running().length === 1);
  w.runtime.finishOneOff(running()[0]!, 7);
  await eventually('recorded', async () => (await listCronJobs(cronDeps(), actor, 'demo')).jobs[0]?.lastRun?.exitCode === 7);
  expect((await listCronJobs(cronDeps(), actor, 'demo')).jobs).toEqual([expect.objectContaining({
    id: tick.id, command: 'node tick.js', schedule: '*/5 * * * *', concurrency: 'forbid', suspended: false,
    nextRunAt: '2024-01-01T00:05:00.000Z', running: [], lastRun: expect.objectContaining({ exitCode: 7, trigger: 'schedule' }),
  })]);

  const other = job('node other.js', '*/5 * * * *');
  const v2 = await deploy([other]);
  expect((await listCronJobs(cronDeps(), actor, 'demo')).jobs.map((j) => j.id)).toEqual([other.id]);
  await expect(runCronJob(cronDeps(), actor, 'demo', tick.id)).rejects.toMatchObject({ code: 'cron_job_not_found' });
  await w.clock.advance(5 * MINUTE);
  await eventually('the new release\'s job runs', () => w.runtime.oneOffSpecs.some((s) => s.command === 'node other.js'));
  expect(w.runtime.oneOffSpecs.filter((s) => s.command === 'node tick.js')).toHaveLength(1);

  // A rollback is a new release of the old slug: the old job comes back with its history.
  const v1 = (await w.store.releases.list(w.app.id)).find((r) => r.version === v2.version - 1)!;
  await w.store.releases.create({ appId: w.app.id, description: 'Rollback', current: true, slugId: v1.slugId, config: v1.config, userId: actor.id });
  expect((await listCronJobs(cronDeps(), actor, 'demo')).jobs).toEqual([expect.objectContaining({ id: tick.id, lastRun: expect.objectContaining({ exitCode: 7 }) })]);
});

it('cron:run refuses while a forbid job runs, naming the run to stop, even when two are asked at once', async () => {
  const tick = job('node tick.js', '0 0 1 1 *');
  const { actor, cronDeps, running } = await setup([tick]);
  const both = await Promise.allSettled([runCronJob(cronDeps(), actor, 'demo', tick.id), runCronJob(cronDeps(), actor, 'demo', tick.id)]);
  expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  const { dyno } = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ dyno: string }>).value;
  expect(running()).toEqual([dyno]);
  await expect(runCronJob(cronDeps(), actor, 'demo', tick.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(`berth ps:stop ${dyno}`) });
});
