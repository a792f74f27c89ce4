// Metering end to end on the local runtime: deploy, scale, let the instances run a few seconds, scale
// to zero; the month's usage shows exactly the instance-seconds of the instances' recorded lifetimes
// (read back from the meter's rows and checked against the start times the runtime reported), never
// a wall-clock estimate.
import { describe, expect, it } from 'vitest';
import { fixture, Platform, sleep, usePlatform, waitFor, type Dyno } from '../support/platform-harness.js';
import { intervalSeconds, recordedIntervals } from '../support/usage-records.js';

let p: Platform;
usePlatform((started) => (p = started));

describe('usage on the local runtime', () => {
  it("bills the instance-seconds of the instances' recorded lifetimes", async () => {
    const app = 'metered';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.scale(app, 'web', 2);
    const up = (await p.waitForUp(app, 2)) as Array<Dyno & { created_at: string }>;
    await sleep(3000); // let them run; what is billed is read back below, not this wait
    await p.scale(app, 'web', 0);
    await waitFor(async () => (await p.dynos(app)).length === 0, 30_000, 'the dynos to stop');
    // Every interval closed by the instance's exit (the runtime's exit event reaches the meter).
    const intervals = await waitFor(() => {
      const rows = recordedIntervals(p.home, app);
      return rows.length > 0 && rows.every((r) => r.ended_at !== null) && rows;
    }, 30_000, 'the recorded intervals to close');

    // The intervals are the instances the runtime ran: same ids, same start times.
    for (const d of up) expect(intervals.find((r) => r.id === d.id)?.started_at, d.name).toBe(d.created_at);
    const seconds = intervalSeconds(intervals);
    expect(seconds).toBeGreaterThan(3 * 2);

    const month = intervals[0]!.started_at.slice(0, 7);
    const usage = await p.ok('GET', `/usage?app=${app}&month=${month}`);
    const webLines = usage.lines.filter((l: { kind: string; process_type: string }) => l.kind === 'instance' && l.process_type === 'web');
    expect(webLines.map((l: { item: string }) => l.item)).toEqual(['standard-1x']);
    expect(webLines[0].quantity).toBeCloseTo(seconds, 6);
    expect(usage.total).toBe(0); // no prices set: nothing is charged

    // With a price, the same seconds are rated per hour.
    await p.ok('PATCH', '/prices', { prices: { 'standard-1x': 3600 } });
    const rated = await p.ok('GET', `/usage?app=${app}&month=${month}`);
    // One unit per second, rounded to the cent (a sum of seconds in floating point may sit a hair
    // either side of a half cent, so the bound is the rounding's, not one exact value).
    expect(Math.abs(rated.lines.find((l: { kind: string }) => l.kind === 'instance').amount - seconds)).toBeLessThanOrEqual(0.005 + 1e-9);
  }, 180_000);

  it('follows an instance through a kill -9 of the API: one interval, from its start to its stop after the restart', async () => {
    const app = 'metered-restart';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    const [before] = (await p.waitForUp(app, 1)) as Array<Dyno & { created_at: string }>;
    await p.killApi();
    const restartedBy = new Date().toISOString();
    // The new API adopted the instance: the same one is up, not a replacement.
    const [after] = await p.waitForUp(app, 1);
    expect(after!.id).toBe(before!.id);
    await p.scale(app, 'web', 0);
    await waitFor(async () => (await p.dynos(app)).length === 0, 30_000, 'the dyno to stop');
    const intervals = await waitFor(() => {
      const rows = recordedIntervals(p.home, app);
      return rows.length > 0 && rows.every((r) => r.ended_at !== null) && rows;
    }, 30_000, 'the recorded interval to close');
    expect(intervals.map((r) => [r.id, r.started_at])).toEqual([[before!.id, before!.created_at]]);
    // Not cut at the restart: it ran on, and ended when it was scaled away.
    expect(intervals[0]!.ended_at! > restartedBy).toBe(true);
    const usage = await p.ok('GET', `/usage?app=${app}&month=${before!.created_at.slice(0, 7)}`);
    expect(usage.lines.find((l: { kind: string }) => l.kind === 'instance').quantity)
      .toBeCloseTo((Date.parse(intervals[0]!.ended_at!) - Date.parse(intervals[0]!.started_at)) / 1000, 6);
  }, 180_000);

  it('counts the bytes the router sent for the app, once their minute is over', async () => {
    const app = 'metered-bytes';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.waitForUp(app, 1);
    let sent = 0;
    for (let n = 0; n < 5; n++) {
      const res = await p.get(app, '/');
      expect(res.status).toBe(200);
      sent += Buffer.byteLength(res.text);
    }
    // The router sends a minute's count once the minute is over: at most a minute and a delivery away.
    const month = new Date().toISOString().slice(0, 7);
    const router = await waitFor(async () => {
      const usage = await p.ok('GET', `/usage?app=${app}&month=${month}`);
      return usage.lines.find((l: { kind: string }) => l.kind === 'router');
    }, 90_000, 'the router bytes to arrive', 1000);
    expect([router.item, router.unit, router.quantity]).toEqual(['router-gb', 'bytes', sent]);
  }, 180_000);
});
