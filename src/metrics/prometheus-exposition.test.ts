// The Prometheus exposition: what a scrape shows after router minutes, instance samples and platform
// measurements, under the apps' current names, with no series left for an app that is gone.
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, type DrainCounts, type InstanceSample, type RouterMinute } from '../domain/metric-samples.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { PrometheusExposition } from './prometheus-exposition.js';

const T0 = Date.parse('2026-11-30T10:00:00Z');

function world() {
  const clock = new FakeClock(T0);
  const names = new Map([['id-a', 'alpha'], ['id-b', 'beta']]);
  /** What the drains' deliveries count, as the test sets it. */
  const drains: DrainCounts[] = [];
  const exposition = new PrometheusExposition({
    appNames: async (ids) => new Map(ids.filter((id) => names.has(id)).map((id) => [id, names.get(id)!])), clock, processMetrics: false, drains: () => drains,
  });
  /** The sample lines of one metric family (no HELP/TYPE), as printed. */
  const lines = async (prefix: string) => (await exposition.text()).split('\n').filter((l) => l.startsWith(prefix));
  return { clock, names, exposition, lines, drains };
}

const buckets = (counts: Record<number, number>) => [...LATENCY_BUCKETS_MS, Infinity].map((_b, i) => counts[i] ?? 0);
const minute = (m: Partial<RouterMinute>): RouterMinute => ({
  appId: 'id-a', minute: T0, statusClasses: {}, errorCodes: {}, latencyBuckets: buckets({}), latencySumMs: 0, bytesIn: 0, bytesOut: 0, peakConcurrent: 0, ...m,
});
const sample = (s: Partial<InstanceSample>): InstanceSample => ({
  appId: 'id-a', processType: 'web', dyno: 'web.1', at: T0, cpuPercent: 12.5, memoryRssBytes: 50e6, memoryLimitBytes: 512 * 2 ** 20, restarts: 2, ...s,
});

describe('Prometheus exposition', () => {
  it("adds up the router's minutes per app: requests by status class, router errors, bytes, the latency histogram, the peak", async () => {
    const w = world();
    w.exposition.routerMinute(minute({ statusClasses: { '2xx': 3, '5xx': 1 }, errorCodes: { H12: 1 }, latencyBuckets: buckets({ 0: 2, 4: 1, 12: 1 }), latencySumMs: 30_000 + 120, bytesIn: 400, bytesOut: 9000, peakConcurrent: 2 }));
    w.exposition.routerMinute(minute({ minute: T0 + 60_000, statusClasses: { '2xx': 1, '4xx': 2 }, latencyBuckets: buckets({ 1: 3 }), latencySumMs: 24, bytesOut: 100, peakConcurrent: 1 }));
    w.exposition.routerMinute(minute({ appId: 'id-b', statusClasses: { '2xx': 7 } }));
    expect(await w.lines('berth_app_requests_total')).toEqual([
      'berth_app_requests_total{app="alpha",status_class="2xx"} 4',
      'berth_app_requests_total{app="alpha",status_class="5xx"} 1',
      'berth_app_requests_total{app="alpha",status_class="4xx"} 2',
      'berth_app_requests_total{app="beta",status_class="2xx"} 7',
    ]);
    expect(await w.lines('berth_app_router_errors_total')).toEqual(['berth_app_router_errors_total{app="alpha",code="H12"} 1']);
    expect(await w.lines('berth_app_bytes_out_total{app="alpha"}')).toEqual(['berth_app_bytes_out_total{app="alpha"} 9100']);
    expect(await w.lines('berth_app_bytes_in_total{app="alpha"}')).toEqual(['berth_app_bytes_in_total{app="alpha"} 400']);
    const histogram = await w.lines('berth_app_request_duration_seconds');
    // Cumulative buckets in seconds: ≤5 ms: 2, ≤10 ms: 2+3, ≤100 ms: +1, past 30 s: +1.
    expect(histogram).toContain('berth_app_request_duration_seconds_bucket{app="alpha",le="0.005"} 2');
    expect(histogram).toContain('berth_app_request_duration_seconds_bucket{app="alpha",le="0.01"} 5');
    expect(histogram).toContain('berth_app_request_duration_seconds_bucket{app="alpha",le="0.1"} 6');
    expect(histogram).toContain('berth_app_request_duration_seconds_bucket{app="alpha",le="30"} 6');
    expect(histogram).toContain('berth_app_request_duration_seconds_bucket{app="alpha",le="+Inf"} 7');
    expect(histogram).toContain('berth_app_request_duration_seconds_sum{app="alpha"} 30.144');
    expect(histogram).toContain('berth_app_request_duration_seconds_count{app="alpha"} 7');
    // The peak is the latest minute's (10:01), not the largest ever.
    expect(await w.lines('berth_app_concurrent_requests{app="alpha"}')).toEqual(['berth_app_concurrent_requests{app="alpha"} 1']);
    await w.clock.advance(10 * 60_000);
    expect(await w.lines('berth_app_concurrent_requests{app="alpha"}')).toEqual(['berth_app_concurrent_requests{app="alpha"} 0']);
  });

  it('shows a renamed app under its new name only, and drops the series of a destroyed one', async () => {
    const w = world();
    w.exposition.routerMinute(minute({ statusClasses: { '2xx': 1 } }));
    w.exposition.routerMinute(minute({ appId: 'id-b', statusClasses: { '2xx': 1 } }));
    w.exposition.instance(sample({ appId: 'id-b' }));
    w.names.set('id-a', 'alpha-renamed');
    expect(await w.lines('berth_app_requests_total')).toEqual([
      'berth_app_requests_total{app="alpha-renamed",status_class="2xx"} 1',
      'berth_app_requests_total{app="beta",status_class="2xx"} 1',
    ]);
    w.exposition.forgetApp('id-b'); // app-destroyed
    w.names.delete('id-a'); // gone without the event reaching us: the name lookup tells
    const text = await w.exposition.text();
    expect(text).not.toMatch(/app="/);
  });

  it('shows each instance from its latest sample, until it has not been sampled for five minutes', async () => {
    const w = world();
    w.exposition.instance(sample({ cpuPercent: 80 }));
    w.exposition.instance(sample({ cpuPercent: 12.5, at: T0 + 10_000 }));
    w.exposition.instance(sample({ dyno: 'worker.1', processType: 'worker', restarts: 0, at: T0 + 10_000 }));
    expect(await w.lines('berth_instance_cpu_percent')).toEqual([
      'berth_instance_cpu_percent{app="alpha",process_type="web",dyno="web.1"} 12.5',
      'berth_instance_cpu_percent{app="alpha",process_type="worker",dyno="worker.1"} 12.5',
    ]);
    expect(await w.lines('berth_instance_memory_rss_bytes{app="alpha",process_type="web"')).toEqual(['berth_instance_memory_rss_bytes{app="alpha",process_type="web",dyno="web.1"} 50000000']);
    expect(await w.lines('berth_instance_memory_limit_bytes{app="alpha",process_type="web"')).toEqual(['berth_instance_memory_limit_bytes{app="alpha",process_type="web",dyno="web.1"} 536870912']);
    expect(await w.lines('berth_instance_restarts_total{app="alpha",process_type="web"')).toEqual(['berth_instance_restarts_total{app="alpha",process_type="web",dyno="web.1"} 2']);
    await w.clock.advance(5 * 60_000 + 10_001);
    expect(await w.lines('berth_instance_')).toEqual([]);
  });

  it('counts builds by outcome with their durations, and reconcile errors', async () => {
    const w = world();
    w.exposition.platform({ kind: 'build', appId: 'id-a', at: T0, outcome: 'succeeded', durationMs: 42_000 });
    w.exposition.platform({ kind: 'build', appId: 'id-a', at: T0, outcome: 'failed', durationMs: 3_000 });
    w.exposition.platform({ kind: 'reconcile-error', appId: 'id-a', at: T0 });
    expect(await w.lines('berth_builds_total')).toEqual(['berth_builds_total{outcome="succeeded"} 1', 'berth_builds_total{outcome="failed"} 1']);
    expect(await w.lines('berth_build_duration_seconds_sum')).toEqual(['berth_build_duration_seconds_sum 45']);
    expect(await w.lines('berth_build_duration_seconds_bucket{le="5"}')).toEqual(['berth_build_duration_seconds_bucket{le="5"} 1']);
    expect(await w.lines('berth_reconcile_errors_total')).toEqual(['berth_reconcile_errors_total 1']);
  });

  it('counts webhook attempts per app by result, under the current name', async () => {
    const w = world();
    for (const result of ['retrying', 'retrying', 'succeeded', 'failed'] as const) w.exposition.platform({ kind: 'webhook-attempt', appId: 'id-a', at: T0, result });
    w.exposition.platform({ kind: 'webhook-attempt', appId: 'id-b', at: T0, result: 'succeeded' });
    w.names.set('id-a', 'alpha-renamed');
    expect(await w.lines('berth_webhook_attempts_total')).toEqual([
      'berth_webhook_attempts_total{app="alpha-renamed",result="retrying"} 2',
      'berth_webhook_attempts_total{app="alpha-renamed",result="succeeded"} 1',
      'berth_webhook_attempts_total{app="alpha-renamed",result="failed"} 1',
      'berth_webhook_attempts_total{app="beta",result="succeeded"} 1',
    ]);
    expect(await w.lines('berth_app_requests_total')).toEqual([]); // no router series for apps that only sent webhooks
    w.exposition.forgetApp('id-b');
    expect(await w.lines('berth_webhook_attempts_total{app="beta"')).toEqual([]);
  });

  it("shows each drain's sent, dropped and buffered lines as its delivery counts them now, named by its token", async () => {
    const w = world();
    w.drains.push({ appId: 'id-a', token: 'd.1', sent: 1200, dropped: 0, buffered: 3 }, { appId: 'id-b', token: 'd.2', sent: 10, dropped: 7, buffered: 10_000 });
    expect(await w.lines('berth_drain_lines_')).toEqual([
      'berth_drain_lines_sent_total{app="alpha",drain="d.1"} 1200',
      'berth_drain_lines_sent_total{app="beta",drain="d.2"} 10',
      'berth_drain_lines_dropped_total{app="alpha",drain="d.1"} 0',
      'berth_drain_lines_dropped_total{app="beta",drain="d.2"} 7',
      'berth_drain_lines_buffered{app="alpha",drain="d.1"} 3',
      'berth_drain_lines_buffered{app="beta",drain="d.2"} 10000',
    ]);
    // A drain removed since the last scrape, and one whose app is gone, leave no series.
    w.drains.splice(0, 1);
    w.names.delete('id-b');
    expect(await w.lines('berth_drain_lines_')).toEqual([]);
  });

  it("includes Berth's own process metrics when asked", async () => {
    const exposition = new PrometheusExposition({ appNames: async () => new Map(), clock: new FakeClock(T0) });
    expect(await exposition.text()).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});
