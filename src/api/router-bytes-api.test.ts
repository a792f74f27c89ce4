// POST /internal/router-logs carries the router's byte counts to the meter: recorded once per id
// (a batch sent again after a lost answer), refused whole when a count is malformed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { App } from '../domain/types.js';
import { httpLogDelivery, RejectedBatch } from '../router/log-shipper.js';
import { internalRoutes } from './routes/internal-routes.js';

const TOKEN = 'internal-token-for-tests-0123456789abcdef';
let api: TestApi;
let app: App;
const feeds = new AbortController();

beforeAll(async () => {
  api = await startTestApi([internalRoutes({
    token: TOKEN, routes: { entries: () => [], onChange: () => () => undefined }, synced: async () => undefined,
    logSink: { write: () => undefined }, routerBytes: (counts) => api.deps.store.usage.addRouterBytes(counts), signal: feeds.signal,
  })]);
  const owner = (await api.deps.store.users.list())[0]!;
  app = await api.deps.store.apps.create({ name: 'alpha', ownerId: owner.id, stack: 'berth-24' });
});
afterAll(async () => { feeds.abort(); await api.close(); });

describe('router byte counts over the internal API', () => {
  it('records each count once, whatever the number of deliveries', async () => {
    const deliver = httpLogDelivery(api.url, TOKEN);
    const batch = { lines: [{ appId: app.id, message: 'at=info bytes=1000' }], bytes: [{ id: 'c1', appId: app.id, minute: '2026-11-30T10:00:00.000Z', bytes: 1000 }] };
    await deliver(batch, AbortSignal.timeout(5000));
    await deliver(batch, AbortSignal.timeout(5000));
    await deliver({ lines: [], bytes: [{ id: 'c2', appId: app.id, minute: '2026-11-30T10:01:00.000Z', bytes: 24 }] }, AbortSignal.timeout(5000));
    expect(await api.deps.store.usage.routerBytes('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))
      .toEqual([{ appId: app.id, appName: 'alpha', ownerId: app.ownerId, bytes: 1024 }]);
  });

  it('refuses a batch with a malformed count (the router drops it rather than retrying)', async () => {
    const deliver = httpLogDelivery(api.url, TOKEN);
    for (const bad of [{ id: 'c3', appId: app.id, minute: 'yesterday', bytes: 1 }, { id: 'c4', appId: app.id, minute: '2026-11-30T10:02:00Z', bytes: -5 }]) {
      await expect(deliver({ lines: [], bytes: [bad] }, AbortSignal.timeout(5000))).rejects.toBeInstanceOf(RejectedBatch);
    }
    expect((await api.deps.store.usage.routerBytes('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))[0]!.bytes).toBe(1024);
  });
});
