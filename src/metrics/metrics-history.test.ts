import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, type RouterMinute } from '../domain/metric-samples.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { MetricRowStore } from '../domain/metric-rows.js';
import { MetricsHistory } from './metrics-history.js';

const MiB = 1024 * 1024;
const MIN = 60_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');

let dir: string;
let store: SqliteStore;
let clock: FakeClock;
let writes: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-metrics-'));
  clock = new FakeClock(T0);
  store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
  writes = 0;
});
afterEach(async () => {
  await store.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** The store's repo, counting the transactions that add minutes. */
const counted = (s: SqliteStore): MetricRowStore => ({ ...s.metrics, merge: (rows, combine) => { writes++; return s.metrics.merge(rows, combine); } });
const historyOn = (s: SqliteStore) => new MetricsHistory({ rows: counted(s), clock, logger: silentLogger });

const sample = (dyno: string, at: number, cpuPercent: number, rssMb: number, restarts = 0) =>
  ({ appId: 'app-1', processType: dyno.split('.')[0]!, dyno, at, cpuPercent, memoryRssBytes: rssMb * MiB, memoryLimitBytes: 512 * MiB, restarts });

const routerMinute = (minute: number, latencies: Record<number, number>, over: Partial<RouterMinute> = {}): RouterMinute => {
  const latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [bound, n] of Object.entries(latencies)) latencyBuckets[LATENCY_BUCKETS_MS.indexOf(Number(bound))] = n;
  const total = Object.values(latencies).reduce((a, b) => a + b, 0);
  return { appId: 'app-1', minute, statusClasses: { '2xx': total }, errorCodes: {}, latencyBuckets, latencySumMs: 0, bytesIn: 100, bytesOut: 1000, peakConcurrent: 3, ...over };
};

const values = (page: Awaited<ReturnType<MetricsHistory['query']>>, metric: string, label: string | null = null) =>
  page.metrics.find((m) => m.name === metric)!.series.find((s) => s.label === label)?.values;

describe('MetricsHistory', () => {
  it('keeps per process type and minute the average and highest CPU and memory of its dynos, written once per flush', async () => {
    const history = historyOn(store);
    for (let s = 0; s < 6; s++) {
      history.instance(sample('web.1', T0 + s * 10_000, 10, 100));
      history.instance(sample('web.2', T0 + s * 10_000, 30, 200));
    }
    history.instance(sample('worker.1', T0 + MIN, 50, 64));
    await history.flush();
    expect(writes).toBe(1);
    const page = await history.query({ appId: 'app-1', metrics: ['cpu', 'cpu-max', 'memory', 'memory-max', 'memory-limit'], since: T0, until: T0 + 2 * MIN, stepMs: MIN });
    expect(values(page, 'cpu', 'web')).toEqual([20, null]);
    expect(values(page, 'cpu-max', 'web')).toEqual([30, null]);
    expect(values(page, 'memory', 'web')).toEqual([150 * MiB, null]);
    expect(values(page, 'memory-max', 'web')).toEqual([200 * MiB, null]);
    expect(values(page, 'memory', 'worker')).toEqual([null, 64 * MiB]);
    expect(values(page, 'memory-limit', 'worker')).toEqual([null, 512 * MiB]);
  });

  it('counts the restarts that happened in each minute from the running count samples carry', async () => {
    const history = historyOn(store);
    history.instance(sample('web.1', T0, 1, 1, 0));
    history.instance(sample('web.1', T0 + MIN, 1, 1, 2));
    history.instance(sample('web.1', T0 + MIN + 10_000, 1, 1, 2));
    history.instance(sample('web.1', T0 + 2 * MIN, 1, 1, 3));
    const page = await history.query({ appId: 'app-1', metrics: ['restarts'], since: T0, until: T0 + 3 * MIN, stepMs: MIN });
    expect(values(page, 'restarts', 'web')).toEqual([0, 2, 1]);
  });

  it("answers the router's requests, 5xx, error codes and p50/p95/p99 latency computed from its buckets", async () => {
    const history = historyOn(store);
    history.routerMinute(routerMinute(T0, { 10: 90, 1000: 10 }, { statusClasses: { '2xx': 95, '5xx': 5 }, errorCodes: { H12: 2 } }));
    history.routerMinute(routerMinute(T0 + MIN, { 50: 100 }));
    await history.flush();
    const page = await history.query({ appId: 'app-1', metrics: ['requests', 'requests-5xx', 'router-errors', 'latency-p50', 'latency-p95', 'latency-p99', 'bytes-out', 'concurrency-max'], since: T0, until: T0 + 2 * MIN, stepMs: MIN });
    expect(values(page, 'requests')).toEqual([100, 100]);
    expect(values(page, 'requests-5xx')).toEqual([5, 0]);
    expect(values(page, 'router-errors', 'H12')).toEqual([2, null]);
    expect(values(page, 'latency-p50')).toEqual([5 + 5 * (50 / 90), 25 + 25 * 0.5].map((n) => Math.round(n * 100) / 100));
    expect(values(page, 'latency-p95')).toEqual([500 + 500 * 0.5, 25 + 25 * 0.95].map((n) => Math.round(n * 100) / 100));
    expect(values(page, 'latency-p99')![0]).toBe(950);
    // A two-minute step adds the buckets up before the percentile: 90 fast, 100 at 25-50 ms, 10 slow.
    const wide = await history.query({ appId: 'app-1', metrics: ['requests', 'latency-p50', 'bytes-out'], since: T0, until: T0 + 2 * MIN, stepMs: 2 * MIN });
    expect(values(wide, 'requests')).toEqual([200]);
    expect(values(wide, 'latency-p50')).toEqual([25 + 25 * (10 / 100)]);
    expect(values(wide, 'bytes-out')).toEqual([2000]);
  });

  it('keeps the series across a restart of the server (a reopened store), including the minute the restart cut in two', async () => {
    const history = historyOn(store);
    history.instance(sample('web.1', T0, 10, 100));
    history.platform({ kind: 'build', appId: 'app-1', at: T0, outcome: 'failed', durationMs: 3000 });
    const stop = new AbortController();
    const loop = history.start(stop.signal);
    stop.abort();
    await loop; // a stopping server writes what it holds
    await store.close();
    store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
    const again = historyOn(store);
    again.instance(sample('web.1', T0 + 30_000, 30, 300));
    await again.flush();
    const page = await again.query({ appId: 'app-1', metrics: ['memory', 'builds', 'build-failures', 'build-time'], since: T0, until: T0 + MIN, stepMs: MIN });
    expect(values(page, 'memory', 'web')).toEqual([200 * MiB]);
    expect(values(page, 'builds')).toEqual([1]);
    expect(values(page, 'build-failures')).toEqual([1]);
    expect(values(page, 'build-time')).toEqual([3000]);
  });

  it('keeps minutes for 48 hours and ten-minute rollups for 30 days, and deletes what is older', async () => {
    const history = historyOn(store);
    // One sample a minute for 3 days (what 10-second samples leave after aggregation), written hourly.
    for (let m = 0; m < 3 * 24 * 60; m++) {
      history.instance(sample('web.1', clock.now(), m % 10, 100 + (m % 10)));
      await clock.advance(MIN);
      if (m % 60 === 59) await history.flush();
    }
    const now = clock.now();
    const minutes = await store.metrics.range('app-1', 60, T0, now);
    expect(minutes[0]!.at).toBeGreaterThanOrEqual(now - 48 * 3_600_000 - 60 * MIN);
    expect(minutes[0]!.at).toBeLessThan(now - 47 * 3_600_000);
    // The first day is still there at ten-minute resolution, each rollup the sum of its ten minutes.
    const old = await history.query({ appId: 'app-1', metrics: ['memory', 'cpu-max'], since: T0, until: T0 + 30 * MIN, stepMs: 10 * MIN });
    expect(values(old, 'memory', 'web')).toEqual([104.5 * MiB, 104.5 * MiB, 104.5 * MiB]);
    expect(values(old, 'cpu-max', 'web')).toEqual([9, 9, 9]);
    await expect(history.query({ appId: 'app-1', metrics: ['memory'], since: T0, until: T0 + 30 * MIN, stepMs: MIN }))
      .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/10 minutes/) });
    // 31 days on, the rollups of the first day are gone too.
    await clock.advance(28 * 24 * 60 * MIN);
    history.instance(sample('web.1', clock.now(), 1, 1));
    await history.flush();
    expect(await store.metrics.range('app-1', 600, T0, T0 + 24 * 60 * MIN)).toEqual([]);
  });

  it('says which metrics there are when asked for an unknown one, and refuses a page of too many points', async () => {
    const history = historyOn(store);
    await expect(history.query({ appId: 'app-1', metrics: ['memroy'], since: T0, until: T0 + MIN, stepMs: MIN }))
      .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/unknown metric "memroy".*memory-max/) });
    await expect(history.query({ appId: 'app-1', metrics: [], since: T0 - 47 * 60 * MIN, until: T0, stepMs: MIN }))
      .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringMatching(/at most 1500/) });
  });

  it('counts every minute once in a query that runs while a flush writes it, whichever starts first', async () => {
    const history = historyOn(store);
    const page = () => history.query({ appId: 'app-1', metrics: ['restarts'], since: T0, until: T0 + MIN, stepMs: MIN });
    history.instance(sample('web.1', T0, 1, 1, 2));
    const [queryFirst] = await Promise.all([page(), history.flush()]);
    history.instance(sample('web.1', T0 + 10_000, 1, 1, 5));
    const [, flushFirst] = await Promise.all([history.flush(), page()]);
    expect(values(queryFirst, 'restarts', 'web')).toEqual([2]);
    expect(values(flushFirst, 'restarts', 'web')).toEqual([5]);
  });

  it("forgets a destroyed app's series", async () => {
    const history = historyOn(store);
    history.instance(sample('web.1', T0, 10, 100));
    await history.flush();
    await history.forgetApp('app-1');
    const page = await history.query({ appId: 'app-1', metrics: ['memory'], since: T0, until: T0 + MIN, stepMs: MIN });
    expect(page.metrics[0]!.series).toEqual([]);
  });
});
