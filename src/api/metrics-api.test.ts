// GET /apps/{app}/metrics over real HTTP: the kept series as JSON (times once, values per series),
// the metric/since/step parameters, and a clear 422 for what it cannot answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { LATENCY_BUCKETS_MS } from '../domain/metric-samples.js';
import type { App } from '../domain/types.js';
import { MetricsHistory } from '../metrics/metrics-history.js';
import { silentLogger } from '../platform/logger.js';
import { systemClock } from '../platform/clock.js';
import { metricsRoutes } from './routes/metrics-routes.js';

let api: TestApi;
let admin: string;
let app: App;
const MiB = 1024 * 1024;
// The history writes to the store the API reads from (made before the store exists: asked lazily).
let history: MetricsHistory;

beforeAll(async () => {
  api = await startTestApi([(f, ctx) => {
    history = new MetricsHistory({ rows: ctx.store.metrics, clock: systemClock, logger: silentLogger });
    metricsRoutes({ history })(f, ctx);
  }]);
  admin = await api.login(ADMIN.email, ADMIN.password);
  const owner = (await api.deps.store.users.byEmail(ADMIN.email))!;
  app = await api.deps.store.apps.create({ name: 'charted', ownerId: owner.id, stack: 'berth-24' });
  const now = Date.now();
  for (const ago of [125_000, 65_000, 5_000]) {
    history.instance({ appId: app.id, processType: 'web', dyno: 'web.1', at: now - ago, cpuPercent: 12.5, memoryRssBytes: 64 * MiB, memoryLimitBytes: 512 * MiB, restarts: 0 });
  }
  const buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  buckets[LATENCY_BUCKETS_MS.indexOf(100)] = 10;
  history.routerMinute({ appId: app.id, minute: now - 60_000, statusClasses: { '2xx': 9, '5xx': 1 }, errorCodes: { H12: 1 }, latencyBuckets: buckets, latencySumMs: 800, bytesIn: 10, bytesOut: 20, peakConcurrent: 2 });
  await history.flush();
});
afterAll(async () => { await api.close(); });

type Page = { step: number; times: string[]; metrics: Array<{ name: string; unit: string; series: Array<{ label: string | null; values: Array<number | null> }> }> };

describe('GET /apps/{app}/metrics', () => {
  it('answers the last hour by the minute with every metric by default, instance series per process type', async () => {
    const res = await api.call('GET', `/apps/charted/metrics`, { token: admin });
    expect(res.status).toBe(200);
    const page = res.body as Page;
    expect(page.step).toBe(60);
    expect(page.times.length).toBeGreaterThanOrEqual(60);
    const memory = page.metrics.find((m) => m.name === 'memory')!;
    expect(memory.unit).toBe('bytes');
    expect(memory.series.map((s) => s.label)).toEqual(['web']);
    expect(memory.series[0]!.values.filter((v) => v !== null)).toEqual([64 * MiB, 64 * MiB, 64 * MiB]);
    expect(page.metrics.find((m) => m.name === 'requests-5xx')!.series[0]!.values.filter((v) => v !== null)).toEqual([1]);
    expect(page.metrics.find((m) => m.name === 'router-errors')!.series.map((s) => s.label)).toEqual(['H12']);
  });

  it('takes metric names (repeated or comma-separated), since and step', async () => {
    const res = await api.call('GET', `/apps/${app.id}/metrics?metric=memory,cpu&metric=latency-p95&since=10m&step=5m`, { token: admin });
    expect(res.status).toBe(200);
    const page = res.body as Page;
    expect(page.metrics.map((m) => m.name)).toEqual(['memory', 'cpu', 'latency-p95']);
    expect(page.step).toBe(300);
    expect(page.times.length).toBeGreaterThanOrEqual(2);
    expect(page.times.length).toBeLessThanOrEqual(3);
    expect(page.metrics[1]!.series[0]!.values.filter((v) => v !== null)).toContain(12.5);
    expect(page.metrics[2]!.series[0]!.values.filter((v) => v !== null)).toEqual([97.5]);
  });

  it('answers 422 naming the problem for an unknown metric, a bad since or step, or too many points', async () => {
    const cases: Array<[string, RegExp]> = [
      ['metric=memroy', /unknown metric "memroy"; the metrics are: cpu, cpu-max, memory/],
      ['since=yesterday', /since must be a duration such as 90s, 30m, 2h or 7d, not "yesterday"/],
      ['step=0m', /step must be a duration/],
      ['step=90s', /step must be a whole number of minutes/],
      ['since=3d&step=1m', /10 minutes/],
      ['since=40d', /30 days/],
      ['since=2d&step=1m', /at most 1500/],
    ];
    for (const [query, message] of cases) {
      const res = await api.call('GET', `/apps/charted/metrics?${query}`, { token: admin });
      expect({ query, status: res.status, id: (res.body as { id: string }).id }).toEqual({ query, status: 422, id: 'invalid_params' });
      expect((res.body as { message: string }).message).toMatch(message);
    }
  });
});
