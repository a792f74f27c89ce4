// Instance metrics end to end on the local runtime: a real server samples a deployed app's web
// dyno from its cgroups, `berth metrics` shows it with its memory, and the series outlives a restart
// of the server (written when the API stops, read back by the next one).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

const MiB = 1024 * 1024;

/** The stored points of an app's series, read straight from the server's SQLite file. */
function storedPoints(home: string, appId: string): number {
  const db = new Database(join(home, 'db', 'berth.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM metric_points JOIN metric_series s ON s.id = series_id WHERE s.app_id = ?').get(appId) as { n: number }).n;
  } finally {
    db.close();
  }
}

type Page = { times: string[]; metrics: Array<{ name: string; series: Array<{ label: string | null; values: Array<number | null> }> }> };
/** The web dyno's measured minutes: time → memory. */
const byTime = (page: Page) => new Map(memoryOf(page).flatMap((v, i) => (v === null ? [] : [[page.times[i]!, v] as const])));
const memoryOf = (page: Page) => page.metrics.find((m) => m.name === 'memory')?.series.find((s) => s.label === 'web')?.values ?? [];

describe('metrics on the local runtime', () => {
  it('samples the web dyno, shows it in `berth metrics`, and keeps the series across a server restart', async () => {
    const app = 'measured';
    const created = await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.waitForUp(app, 1);
    const cli = (args: string[]) => berth(args, { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });

    // The sampler reads every 10 s: wait for a reading, then the CLI shows it.
    await waitFor(async () => memoryOf(await p.ok('GET', `/apps/${app}/metrics?metric=memory&since=10m`)).some((v) => v !== null), 60_000, 'a memory sample', 1000);
    const shown = await cli(['metrics', '-a', app, '--since', '10m']);
    expect(shown.code, shown.stderr).toBe(0);
    const web = shown.stdout.split('\n\n').find((block) => block.startsWith('web\n'));
    expect(web, shown.stdout).toBeDefined();
    const memory = /Memory \(RSS\)\s+([\d.]+) (KB|MB|GB) of 512 MB/.exec(web!);
    expect(memory, web).not.toBeNull();
    expect(Number(memory![1])).toBeGreaterThan(0);
    expect(web).toMatch(/CPU\s+[\d.]+%/);

    const beforePage: Page = await p.ok('GET', `/apps/${app}/metrics?metric=memory&since=10m`);
    const before = byTime(beforePage);
    // A node process's resident memory: more than a megabyte, less than its 512 MB limit.
    expect(before.size).toBeGreaterThan(0);
    for (const v of before.values()) expect(v).toBeGreaterThan(MiB);
    expect(Math.max(...before.values())).toBeLessThan(512 * MiB);

    await p.stopServer();
    // Written by the stopping API, not only held in its memory.
    const appId = (created as { id: string }).id;
    expect(storedPoints(p.home, appId)).toBeGreaterThan(0);
    await p.startServer();

    // Every minute measured before the restart still has a value (the current one may have gained samples since).
    const after = byTime(await p.ok('GET', `/apps/${app}/metrics?metric=memory&since=30m`));
    for (const minute of before.keys()) expect(after.get(minute), minute).toBeGreaterThan(MiB);
  }, 240_000);
});
