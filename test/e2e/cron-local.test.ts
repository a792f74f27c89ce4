// Scheduled jobs (app.json `cron`) on the local runtime, as a user sees them through the CLI: the
// deploy names the jobs, `berth cron` lists them with their next run, `cron:run` runs one now as
// scheduler.N of the current release with its output in the app log and its exit code in the
// listing, suspend/resume show, and a rollback brings back the jobs of the release it copies.
// When a job runs on its schedule is covered with a fake clock in src/services/cron-scheduler.test.ts:
// the server's clock cannot be moved from here.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

const cli = (args: string[]) => berth(args, { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
interface Job { id: string; command: string; schedule: string; suspended: boolean; next_run_at: string | null; running: string[]; last_run: { dyno: string; exit_code: number | null; trigger: string } | null }
const jobs = async (app: string): Promise<Job[]> => p.ok('GET', `/apps/${app}/cron`);

it('lists the jobs a deploy brought, runs one now as scheduler.N with its output in the log and its exit code listed', async () => {
  const app = 'cron-ticker';
  await p.createApp(app);
  await p.ok('PATCH', `/apps/${app}/config-vars`, { GREETING: 'hi' });
  const dir = await p.copyFixture('cron-ticker');
  const deployed = await p.deployOk(app, dir, 'v1');
  const listed = await jobs(app);
  expect(listed.map((j) => `${j.command} @ ${j.schedule}`)).toEqual(['node tick.js @ 0 3 29 2 *', 'node tick.js 3 @ 30 3 28 2 *']);
  const [ok, failing] = listed as [Job, Job];
  expect(deployed.output).toContain(`-----> Scheduled jobs (app.json cron, UTC): ${ok.id} "0 3 29 2 *" node tick.js`);
  expect(ok.next_run_at).toMatch(/^\d{4}-02-29T03:00:00\.000Z$/);
  expect(ok.last_run).toBeNull();

  const table = await cli(['cron', '-a', app]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(new RegExp(`${ok.id}\\s+0 3 29 2 \\*\\s+node tick\\.js\\s+forbid\\s+\\d{4}-02-29 03:00 UTC\\s+-`));
  expect(table.stdout).toMatch(new RegExp(`${failing.id}\\s+30 3 28 2 \\*\\s+node tick\\.js 3\\s+replace`));

  const run = await cli(['cron:run', ok.id, '-a', app]);
  expect(run.code).toBe(0);
  const dyno = /done, (scheduler\.\d+)/.exec(run.stderr)?.[1];
  expect(dyno, run.stderr).toBeDefined();
  await waitFor(async () => (await p.logs(app, { dyno: dyno! })).includes(`tick from ${dyno} with GREETING=hi exiting 0`), 30_000, 'the job output in the app log');
  await waitFor(async () => (await jobs(app))[0]!.last_run?.exit_code === 0, 30_000, 'the exit code recorded');
  expect((await jobs(app))[0]!.last_run).toMatchObject({ dyno, trigger: 'manual' });

  expect((await cli(['cron:run', failing.id, '-a', app])).code).toBe(0);
  await waitFor(async () => (await jobs(app))[1]!.last_run?.exit_code === 3, 30_000, 'the failing job\'s exit code');
  expect((await cli(['cron', '-a', app])).stdout).toMatch(/exit 3 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, manual\)/);

  expect((await cli(['cron:suspend', ok.id, '-a', app])).code).toBe(0);
  expect((await jobs(app))[0]).toMatchObject({ suspended: true, next_run_at: null });
  expect((await cli(['cron', '-a', app])).stdout).toMatch(new RegExp(`${ok.id}.*suspended`));
  expect((await cli(['cron:resume', ok.id, '-a', app])).code).toBe(0);
  expect((await jobs(app))[0]!.suspended).toBe(false);

  const unknown = await cli(['cron:run', 'zzzzzzzzzz', '-a', app]);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('cron-ticker has no scheduled job zzzzzzzzzz');
}, 180_000);

it('a deploy without the jobs drops them; a rollback brings back the jobs of the release it copies', async () => {
  const app = 'cron-rollback';
  await p.createApp(app);
  const dir = await p.copyFixture('cron-ticker');
  await p.deployOk(app, dir, 'v1');
  const before = (await jobs(app)).map((j) => j.id);
  expect(before).toHaveLength(2);
  await writeFile(join(dir, 'app.json'), JSON.stringify({ cron: [{ command: 'node tick.js 1', schedule: '@yearly' }] }));
  await p.deployOk(app, dir, 'v2');
  expect((await jobs(app)).map((j) => j.command)).toEqual(['node tick.js 1']);
  const rolledBack = await cli(['releases:rollback', 'v1', '-a', app]);
  expect(rolledBack.code, rolledBack.stderr).toBe(0);
  expect((await jobs(app)).map((j) => j.id)).toEqual(before);
}, 180_000);
