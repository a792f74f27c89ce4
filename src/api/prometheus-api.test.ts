// GET /metrics: the exposition for the scrape token or the admin's API token, 401/403 for anyone
// else; GET /metrics/token: the scrape token, for the admin only.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { LATENCY_BUCKETS_MS } from '../domain/metric-samples.js';
import { PrometheusExposition } from '../metrics/prometheus-exposition.js';
import { ensureScrapeToken, scrapeTokenPath } from '../metrics/scrape-token.js';
import { systemClock } from '../platform/clock.js';
import { hashPassword } from '../platform/password-hash.js';
import { prometheusRoutes } from './routes/prometheus-routes.js';

let api: TestApi;
let adminToken: string;
let userToken: string;
const home = mkdtempSync(join(tmpdir(), 'berth-prometheus-'));
const scrapeToken = ensureScrapeToken(home);

beforeAll(async () => {
  let exposition!: PrometheusExposition;
  api = await startTestApi([(app, ctx) => {
    exposition = new PrometheusExposition({ appNames: async (ids) => new Map((await Promise.all(ids.map((id) => ctx.store.apps.byId(id)))).filter((a) => a).map((a) => [a!.id, a!.name])), clock: systemClock, processMetrics: false });
    prometheusRoutes({ exposition, scrapeToken })(app, ctx);
  }]);
  adminToken = await api.login(ADMIN.email, ADMIN.password);
  await api.deps.store.users.create({ email: 'ada@example.com', passwordHash: await hashPassword('pw-for-ada-123'), isAdmin: false });
  userToken = await api.login('ada@example.com', 'pw-for-ada-123');
  const owner = (await api.deps.store.users.list())[0]!;
  const app = await api.deps.store.apps.create({ name: 'scraped', ownerId: owner.id, stack: 'berth-24' });
  exposition.routerMinute({ appId: app.id, minute: 0, statusClasses: { '2xx': 5 }, errorCodes: {}, latencyBuckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), latencySumMs: 0, bytesIn: 0, bytesOut: 0, peakConcurrent: 0 });
});
afterAll(async () => { await api.close(); rmSync(home, { recursive: true, force: true }); });

describe('GET /metrics', () => {
  it('keeps the scrape token in a file only Berth reads, the same one at every start', () => {
    expect(statSync(scrapeTokenPath(home)).mode & 0o777).toBe(0o600);
    expect(ensureScrapeToken(home)).toBe(scrapeToken);
  });

  it('answers the scrape token and the admin with the exposition format', async () => {
    for (const token of [scrapeToken, adminToken]) {
      const res = await api.call('GET', '/metrics', { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.body).toContain('berth_app_requests_total{app="scraped",status_class="2xx"} 5');
    }
  });

  it('refuses anyone else: 401 without or with an unknown token, 403 for a user who is not the admin', async () => {
    expect((await api.call('GET', '/metrics')).status).toBe(401);
    expect((await api.call('GET', '/metrics', { token: `${scrapeToken}x` })).status).toBe(401);
    const basic = Buffer.from(`x:${scrapeToken}`).toString('base64'); // only as a bearer token
    expect((await api.call('GET', '/metrics', { headers: { Authorization: `Basic ${basic}` } })).status).toBe(401);
    const user = await api.call('GET', '/metrics', { token: userToken });
    expect(user.status).toBe(403);
    expect(user.body.id).toBe('forbidden');
  });

  it('gives the scrape token to the admin only', async () => {
    expect((await api.call('GET', '/metrics/token', { token: adminToken })).body).toEqual({ token: scrapeToken, path: '/metrics' });
    expect((await api.call('GET', '/metrics/token', { token: userToken })).status).toBe(403);
    // The scrape token opens /metrics and nothing else.
    expect((await api.call('GET', '/metrics/token', { token: scrapeToken })).status).toBe(401);
    expect((await api.call('GET', '/apps', { token: scrapeToken })).status).toBe(401);
  });
});
