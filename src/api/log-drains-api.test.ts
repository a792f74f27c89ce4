// /apps/{app}/log-drains as Heroku's CLI uses it: add (201, a d.<uuid> token), list, show and remove
// by id, URL or token; bad URLs refused with a 422 that says why; each change wakes the deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { OutboundPolicy } from '../platform/outbound-policy.js';
import type { PlatformEvent } from '../services/platform-events.js';
import { logDrainRoutes } from './routes/log-drain-routes.js';

let api: TestApi;
let token: string;
const events: PlatformEvent[] = [];

beforeAll(async () => {
  api = await startTestApi([logDrainRoutes]);
  token = await api.login(ADMIN.email, ADMIN.password);
  api.deps.events.on((e) => events.push(e));
  expect((await api.call('POST', '/apps', { token, body: { name: 'drained' } })).status).toBe(201);
});
afterAll(async () => api.close());

describe('log drains API', () => {
  it('adds a drain with a d.<uuid> token, lists it, finds it by id, URL or token, and removes it by URL', async () => {
    const added = await api.call('POST', '/apps/drained/log-drains', { token, body: { url: 'syslog+tls://logs.example.com:6514' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ url: 'syslog+tls://logs.example.com:6514', addon: null, app: { name: 'drained' } });
    expect(added.body.token).toMatch(/^d\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(events).toContainEqual({ type: 'log-drains-changed', appId: added.body.app.id });
    const https = await api.call('POST', '/apps/drained/log-drains', { token, body: { url: 'https://user:pw@logs.example.com/drain' } });
    expect((await api.call('GET', '/apps/drained/log-drains', { token })).body.map((d: { url: string }) => d.url))
      .toEqual(['syslog+tls://logs.example.com:6514', 'https://user:pw@logs.example.com/drain']);
    for (const id of [https.body.id, https.body.token, encodeURIComponent(https.body.url)]) {
      expect((await api.call('GET', `/apps/drained/log-drains/${id}`, { token })).body.id).toBe(https.body.id);
    }
    const removed = await api.call('DELETE', `/apps/drained/log-drains/${encodeURIComponent('syslog+tls://logs.example.com:6514')}`, { token });
    expect(removed.status).toBe(200);
    expect(removed.body.token).toBe(added.body.token);
    expect((await api.call('GET', '/apps/drained/log-drains', { token })).body).toHaveLength(1);
    expect((await api.call('DELETE', `/apps/drained/log-drains/${added.body.token}`, { token })).status).toBe(404);
    const audit = await api.deps.store.events.list({ appId: added.body.app.id });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['log-drain-added', 'log-drain-removed']));
  });

  it('refuses URLs that are not syslog://, syslog+tls:// or https:// with a host and port, saying why', async () => {
    const cases: [unknown, RegExp][] = [
      ['http://logs.example.com/x', /scheme must be syslog:\/\/, syslog\+tls:\/\/ or https:\/\//],
      ['syslog://logs.example.com', /port is required/],
      ['syslog://:514', /host is required|not a URL/],
      ['syslog://logs.example.com:70000', /not a URL|port/],
      ['not a url', /not a URL/],
      [42, /url is required/],
    ];
    for (const [url, why] of cases) {
      const res = await api.call('POST', '/apps/drained/log-drains', { token, body: { url } });
      expect(res.status, String(url)).toBe(422);
      expect(res.body.id).toBe('invalid_params');
      expect(res.body.message).toMatch(why);
    }
  });

  it('refuses a drain to an address that is not public, saying which and how an operator allows one; nothing is stored', async () => {
    const cases: [string, RegExp][] = [
      ['syslog://169.254.169.254:514', /169\.254\.169\.254 is a link-local address/],
      ['syslog+tls://10.0.0.5:6514', /10\.0\.0\.5 is a private address/],
      ['https://[fd00::1]/logs', /fd00::1 is a private address/],
      ['syslog://[::ffff:192.168.1.1]:514', /is a private address/],
    ];
    const before = (await api.call('GET', '/apps/drained/log-drains', { token })).body.length;
    for (const [url, why] of cases) {
      const res = await api.call('POST', '/apps/drained/log-drains', { token, body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.body.message).toMatch(why);
      expect(res.body.message).toContain('BERTH_OUTBOUND_ALLOW');
    }
    expect((await api.call('GET', '/apps/drained/log-drains', { token })).body).toHaveLength(before);
  });

  it('refuses loopback and localhost drains unless the operator allows them', async () => {
    const strict = await startTestApi([logDrainRoutes], { outbound: OutboundPolicy.fromSetting(undefined) });
    try {
      const admin = await strict.login(ADMIN.email, ADMIN.password);
      expect((await strict.call('POST', '/apps', { token: admin, body: { name: 'local' } })).status).toBe(201);
      for (const url of ['syslog://127.0.0.1:514', 'https://localhost:8443/logs', 'syslog://[::1]:514']) {
        const res = await strict.call('POST', '/apps/local/log-drains', { token: admin, body: { url } });
        expect(res.status, url).toBe(422);
        expect(res.body.message).toMatch(/is a loopback address/);
      }
      expect((await strict.call('POST', '/apps/local/log-drains', { token: admin, body: { url: 'syslog+tls://logs.example.com:6514' } })).status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('refuses the same URL twice on one app', async () => {
    const url = 'syslog://127.0.0.1:6514';
    expect((await api.call('POST', '/apps/drained/log-drains', { token, body: { url } })).status).toBe(201);
    const again = await api.call('POST', '/apps/drained/log-drains', { token, body: { url } });
    expect(again.status).toBe(422);
    expect(again.body.message).toMatch(/already has a drain/);
  });
});
