// /apps/{app}/acm as the heroku CLI's certs:auto:enable / disable / refresh call it, and Berth's GET
// with each domain's acm_status and acm_status_reason.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { MemoryDomains } from '../services/testing/memory-certificates.js';
import { acmRoutes } from './routes/acm-routes.js';

let api: TestApi;
let token: string;
let wakes = 0;
const domains = new MemoryDomains();

beforeAll(async () => {
  api = await startTestApi([acmRoutes({ automatic: { wake: () => void wakes++ }, domains })]);
  token = await api.login(ADMIN.email, ADMIN.password);
  const app = (await api.call('POST', '/apps', { token, body: { name: 'acm-app' } })).body;
  domains.set(app.id, ['www.example.com', '*.wild.example.com']);
});
afterAll(() => api.close());

it('enable, status with reasons, refresh and disable, each in the audit trail', async () => {
  expect((await api.call('GET', '/apps/acm-app/acm', { token })).body).toEqual({ id: expect.any(String), name: 'acm-app', acm: false, domains: [] });
  const enabled = await api.call('POST', '/apps/acm-app/acm', { token, body: {} });
  expect(enabled.status).toBe(200);
  expect(enabled.body).toMatchObject({ acm: true, domains: [{ hostname: 'www.example.com', kind: 'custom', acm_status: 'pending', acm_status_reason: null }] });
  expect(wakes).toBe(1);
  const app = (await api.call('GET', '/apps/acm-app', { token })).body;
  expect(app.acm).toBe(true); // what the heroku CLI's certs:auto reads
  await api.deps.store.acme.saveHostname({ appId: app.id, hostname: 'www.example.com', status: 'failing', reason: 'DNS problem', failures: 1, nextAttemptAt: null, updatedAt: '2026-01-01T00:00:00.000Z' });
  expect((await api.call('GET', '/apps/acm-app/acm', { token })).body.domains).toEqual([
    { hostname: 'www.example.com', kind: 'custom', acm_status: 'failing', acm_status_reason: 'DNS problem', updated_at: '2026-01-01T00:00:00.000Z' },
  ]);
  expect((await api.call('PATCH', '/apps/acm-app/acm', { token, body: {} })).status).toBe(422);
  const refreshed = await api.call('PATCH', '/apps/acm-app/acm', { token, body: { acm_refresh: true } });
  expect(refreshed.body.domains[0]).toMatchObject({ acm_status: 'pending', acm_status_reason: null });
  expect(wakes).toBe(2);
  expect((await api.call('DELETE', '/apps/acm-app/acm', { token })).body).toMatchObject({ acm: false, domains: [] });
  const actions = (await api.deps.store.events.list({ appId: app.id })).map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['acm-enabled', 'acm-refreshed', 'acm-disabled']));
});
