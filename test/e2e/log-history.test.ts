// The log history end to end: a real server, lines from "hours" ago (the router's own times, sent
// through its real internal endpoint), searched with `berth logs --since/--until/--grep -s -d` and
// through the API; kept across a server restart; segments past the retention deleted.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { buildDist, Platform } from '../support/platform-harness.js';

let p: Platform;
let appId: string;
const app = 'history-app';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const start = Date.now();
const ago = (ms: number) => new Date(start - ms).toISOString();
const cli = (args: string[]) => berth(args, { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
const stdoutOf = async (args: string[]) => {
  const r = await cli(args);
  expect(r.stderr + (r.code === 0 ? '' : `exit ${r.code}`)).not.toMatch(/exit|Error/);
  return r.stdout.trim().split('\n').filter((l) => l !== '');
};

async function sendRouterLines(lines: Array<{ message: string; time: string }>): Promise<void> {
  const token = (await readFile(join(p.home, 'run', 'internal-token'), 'utf8')).trim();
  for (let i = 0; i < lines.length; i += 2000) {
    const res = await fetch(`${p.apiUrl}/internal/router-logs`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-berth-internal-token': token },
      body: JSON.stringify({ lines: lines.slice(i, i + 2000).map((l) => ({ appId, ...l })) }),
    });
    expect(res.status).toBe(204);
  }
}

beforeAll(async () => {
  buildDist();
  // A 1 MB cap makes 128 KB segments, so a few thousand lines roll several of them.
  p = await Platform.start({ BERTH_LOG_MAX_APP_MB: '1', BERTH_LOG_RETENTION: '7d' });
  appId = (await p.createApp(app)).id;
  // Eight days ago: past the retention. Enough lines to fill (and roll) several segments on their own.
  const padding = 'x'.repeat(150);
  await sendRouterLines(Array.from({ length: 4000 }, (_, i) => ({ message: `expired line ${i} ${padding}`, time: ago(8 * DAY - i) })));
  // Then the last five hours: one request a minute, every tenth a 500.
  const recent = [];
  for (let m = 5 * 60; m > 0; m--) {
    recent.push({ message: `at=info method=GET path="/m${m}" status=${m % 10 === 0 ? 500 : 200} bytes=12`, time: ago(m * 60_000) });
  }
  await sendRouterLines(recent);
  await p.ok('PATCH', `/apps/${app}`, { maintenance: true });
  await p.ok('PATCH', `/apps/${app}`, { maintenance: false });
}, 120_000);

afterAll(async () => {
  await p?.stop();
});

describe('log history', () => {
  it('searches a time window hours back, beyond the 1,500 lines in memory', async () => {
    const window = await stdoutOf(['logs', '--since', '2h', '--until', '1h', '-s', 'router', '-a', app]);
    // Minutes 119…61 ago (the bounds are taken a moment after the lines were stamped).
    expect(window.length).toBeGreaterThanOrEqual(59);
    expect(window.length).toBeLessThanOrEqual(61);
    expect(window.every((l) => / router: at=info method=GET path="\/m\d+"/.test(l))).toBe(true);
    expect(window.some((l) => l.includes('path="/m90"'))).toBe(true);
    expect(window.some((l) => l.includes('path="/m30"'))).toBe(false);
    // ISO 8601 bounds are inclusive: minutes 120…60 ago exactly.
    const iso = await stdoutOf(['logs', '--since', ago(2 * HOUR), '--until', ago(HOUR), '-a', app, '-s', 'router']);
    expect(iso).toHaveLength(61);
    expect(iso[0]).toContain('path="/m120"');
    expect(iso[60]).toContain('path="/m60"');
  }, 60_000);

  it('greps, and filters by source and dyno', async () => {
    const errors = await stdoutOf(['logs', '--since', '6h', '--grep', 'status=500', '-a', app]);
    expect(errors).toHaveLength(30);
    expect(errors.every((l) => l.includes('status=500'))).toBe(true);
    const fewer = await stdoutOf(['logs', '--since', '6h', '--grep', 'status=500', '-n', '3', '-a', app]);
    expect(fewer[0]).toMatch(/berth\[logs\]: Showing the newest 3 matching lines/);
    expect(fewer.slice(1)).toEqual(errors.slice(-3));
    const platform = await stdoutOf(['logs', '--since', '6h', '-s', 'berth', '-d', 'api', '-a', app]);
    expect(platform.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `berth[api]: Maintenance mode enabled by admin@example.com`, `berth[api]: Maintenance mode disabled by admin@example.com`,
    ]);
    // The API takes the same fields on Heroku's log-sessions.
    const session = await p.ok('POST', `/apps/${app}/log-sessions`, { since: ago(6 * HOUR), grep: 'path="/m10"', source: 'router' });
    expect((await (await fetch(session.logplex_url)).text()).trim().split('\n')).toEqual([expect.stringMatching(/ router: at=info method=GET path="\/m10" status=500/)]);
    expect((await p.api('POST', `/apps/${app}/log-sessions`, { since: '2 hours ago' })).status).toBe(422);
  }, 60_000);

  it('keeps the history across a server restart', async () => {
    const before = await stdoutOf(['logs', '--since', '6h', '-a', app]);
    await p.stopServer();
    await p.startServer();
    expect(await stdoutOf(['logs', '--since', '6h', '-a', app])).toEqual(before);
    // Heroku's plain `logs` (the lines kept in memory) is unchanged and reloaded from the history.
    const recent = await stdoutOf(['logs', '-n', '2', '-a', app]);
    expect(recent.map((l) => l.replace(/^\S+ /, ''))).toEqual(before.slice(-2).map((l) => l.replace(/^\S+ /, '')));
  }, 90_000);

  it('deletes segments past the retention', async () => {
    const dir = join(p.home, 'logs', appId);
    const closed = (await readdir(dir)).filter((n) => n.endsWith('.log.gz'));
    // `<first-seq>-<min-ms>-<max-ms>.log.gz`: what is left of the expired lines' segments ends after the cutoff.
    expect(closed.length).toBeGreaterThan(0);
    const maxTimes = closed.map((n) => parseInt(n.split('-')[2]!, 10));
    expect(maxTimes.every((t) => t >= start - 7 * DAY - 60_000), closed.join(' ')).toBe(true);
    // The oldest expired lines are gone from disk; at most the open segment's share of them is left.
    const expired = await stdoutOf(['logs', '--until', ago(7 * DAY), '--grep', 'expired line', '-a', app]);
    expect(expired.length).toBeLessThan(4000);
    expect(expired.some((l) => / expired line 0 /.test(l))).toBe(false);
  }, 60_000);
});
