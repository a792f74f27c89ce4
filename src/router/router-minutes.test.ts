// RouterMinutes: what the router reports per app per minute, from the requests it served.
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS } from '../domain/metric-samples.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import type { RequestSample } from './request-metrics.js';
import { latencyBucket, RouterMinutes } from './router-minutes.js';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const sample = (s: Partial<RequestSample>): RequestSample => ({ appId: 'a', status: 200, durationMs: 3, bytesIn: 100, bytesOut: 1000, concurrent: 1, ...s });

describe('router minutes', () => {
  it('adds up one app-minute: status classes, router errors, latency buckets and sum, bytes, peak concurrency', async () => {
    const clock = new FakeClock(T0 + 5_000);
    const minutes = new RouterMinutes(clock);
    minutes.onRequest(sample({ durationMs: 3, concurrent: 1 }));
    minutes.onRequest(sample({ status: 404, durationMs: 40, concurrent: 3 }));
    minutes.onRequest(sample({ status: 503, code: 'H12', durationMs: 30_000.5, bytesOut: 500, concurrent: 2 }));
    minutes.onRequest(sample({ status: 499, code: 'H27', durationMs: 7, bytesOut: 0 }));
    minutes.onRequest(sample({ appId: 'b' }));
    expect(minutes.due(false)).toEqual([]); // 10:00 is still running
    await clock.advance(55_000);
    const [a, b] = minutes.due(false);
    const buckets = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
    buckets[latencyBucket(3)] = 1; // ≤ 5 ms
    buckets[latencyBucket(7)] = 1; // ≤ 10 ms
    buckets[latencyBucket(40)] = 1; // ≤ 50 ms
    buckets[LATENCY_BUCKETS_MS.length] = 1; // past the last bound
    expect(a).toEqual({
      id: expect.any(String), appId: 'a', minute: T0, statusClasses: { '2xx': 1, '4xx': 2, '5xx': 1 }, errorCodes: { H12: 1, H27: 1 },
      latencyBuckets: buckets, latencySumMs: 3 + 40 + 30_000.5 + 7, bytesIn: 400, bytesOut: 2500, peakConcurrent: 3,
    });
    expect(b).toMatchObject({ appId: 'b', minute: T0, statusClasses: { '2xx': 1 } });
    expect(new Set([a!.id, b!.id]).size).toBe(2);
  });

  it('keeps a report, under its id, until it is delivered; a request after sealing starts a new report', () => {
    const clock = new FakeClock(T0);
    const minutes = new RouterMinutes(clock);
    minutes.onRequest(sample({ bytesOut: 1 }));
    const [first] = minutes.due(true); // the router stops: the running minute goes too
    minutes.onRequest(sample({ bytesOut: 2 })); // finished while the first was being delivered
    expect(minutes.due(false).map((r) => r.id)).toEqual([first!.id]); // not delivered yet: same id
    minutes.delivered([first!]);
    const [second] = minutes.due(true);
    expect(second).toMatchObject({ minute: T0, bytesOut: 2 });
    expect(second!.id).not.toBe(first!.id);
    minutes.delivered([second!]);
    expect(minutes.due(true)).toEqual([]);
  });

  it('seals a minute when the app next sees a request in a later one', async () => {
    const clock = new FakeClock(T0);
    const minutes = new RouterMinutes(clock);
    minutes.onRequest(sample({ bytesOut: 1 }));
    await clock.advance(61_000);
    minutes.onRequest(sample({ bytesOut: 2 }));
    expect(minutes.due(false).map((r) => [r.minute, r.bytesOut])).toEqual([[T0, 1]]);
    expect(minutes.counting).toBe(true);
  });

  it('keeps at most its bound of undelivered reports, dropping the oldest', () => {
    const clock = new FakeClock(T0);
    const minutes = new RouterMinutes(clock, 2);
    for (const app of ['a', 'b', 'c']) minutes.onRequest(sample({ appId: app }));
    expect(minutes.due(true).map((r) => r.appId)).toEqual(['b', 'c']);
    expect(minutes.dropped).toBe(1);
  });
});
