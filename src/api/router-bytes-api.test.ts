// POST /internal/router-logs carries the router's minutes: their bytesOut to the meter, recorded once
// per id (a batch sent again after a lost answer), and each new minute to the metrics keepers; a
// batch with a malformed minute is refused whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { RouterMinuteReport } from '../domain/internal-protocol.js';
import { LATENCY_BUCKETS_MS, type RouterMinute } from '../domain/metric-samples.js';
import type { App } from '../domain/types.js';
import { httpLogDelivery, RejectedBatch } from '../router/log-shipper.js';
import { internalRoutes } from './routes/internal-routes.js';

const TOKEN = 'internal-token-for-tests-0123456789abcdef';
let api: TestApi;
let app: App;
const feeds = new AbortController();
const kept: RouterMinute[] = [];
const metrics = { instance: () => undefined, platform: () => undefined, routerMinute: (m: RouterMinute) => void kept.push(m) };
const report = (id: string, minute: string, bytesOut: number): RouterMinuteReport => ({
  id, appId: app.id, minute: Date.parse(minute), statusClasses: { '2xx': 1 }, errorCodes: {}, latencyBuckets: [1, ...new Array(LATENCY_BUCKETS_MS.length).fill(0)],
  latencySumMs: 2, bytesIn: 80, bytesOut, peakConcurrent: 1,
});

beforeAll(async () => {
  api = await startTestApi([internalRoutes({
    token: TOKEN, routes: { entries: () => [], onChange: () => () => undefined }, synced: async () => undefined,
    logSink: { write: () => undefined }, routerUsage: (counts) => api.deps.store.usage.addRouterBytes(counts), metrics, signal: feeds.signal,
  })]);
  const owner = (await api.deps.store.users.list())[0]!;
  app = await api.deps.store.apps.create({ name: 'alpha', ownerId: owner.id, stack: 'berth-24' });
});
afterAll(async () => { feeds.abort(); await api.close(); });

describe('router minutes over the internal API', () => {
  it('records each minute once, whatever the number of deliveries: in the meter and for the metrics keepers', async () => {
    const deliver = httpLogDelivery(api.url, TOKEN);
    const batch = { lines: [{ appId: app.id, message: 'at=info bytes=1000' }], minutes: [report('c1', '2026-11-30T10:00:00.000Z', 1000)] };
    await deliver(batch, AbortSignal.timeout(5000));
    await deliver(batch, AbortSignal.timeout(5000));
    await deliver({ lines: [], minutes: [report('c2', '2026-11-30T10:01:00.000Z', 24)] }, AbortSignal.timeout(5000));
    expect(await api.deps.store.usage.routerBytes('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))
      .toEqual([{ appId: app.id, appName: 'alpha', ownerId: app.ownerId, bytes: 1024 }]);
    const { id: _id, ...first } = report('c1', '2026-11-30T10:00:00.000Z', 1000);
    expect(kept).toEqual([first, expect.objectContaining({ bytesOut: 24 })]);
  });

  it('refuses a batch with a malformed count (the router drops it rather than retrying)', async () => {
    const deliver = httpLogDelivery(api.url, TOKEN);
    const good = report('c3', '2026-11-30T10:02:00.000Z', 1);
    const bad = [{ ...good, minute: 'yesterday' }, { ...good, bytesOut: -5 }, { ...good, latencyBuckets: [1] }, { ...good, statusClasses: { '6xx': 1 } }] as unknown as RouterMinuteReport[];
    for (const b of bad) await expect(deliver({ lines: [], minutes: [b] }, AbortSignal.timeout(5000))).rejects.toBeInstanceOf(RejectedBatch);
    expect((await api.deps.store.usage.routerBytes('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))[0]!.bytes).toBe(1024);
    expect(kept).toHaveLength(2);
  });
});
