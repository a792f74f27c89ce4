// What `logs` shows after real requests, live tailing, and the router's own answers:
// maintenance mode and no web instances (H14).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, fixture, Platform, waitFor } from '../support/platform-harness.js';

let p: Platform;
const app = 'logs-app';

beforeAll(async () => {
  buildDist();
  p = await Platform.start();
  await p.createApp(app);
  await p.deployOk(app, fixture('node-hello'), 'v1');
}, 90_000);

afterAll(async () => {
  await p?.stop();
  if (p) expect(await p.leftovers()).toEqual([]);
});

describe('logs and router answers', () => {
  it('a log session shows router lines for requests and the app\'s own output', async () => {
    for (let i = 0; i < 3; i++) expect((await p.get(app, `/?n=${i}`)).status).toBe(200);
    // The router is its own process: its lines reach the API's log stream a moment after the response.
    const log = await waitFor(async () => { const l = await p.logs(app); return l.includes('path="/?n=2"') && l; }, 5000, 'the router lines');
    expect(log).toMatch(/ router: at=info method=GET path="\/\?n=2" host=logs-app\.localhost .*dyno=web\.1 .*status=200/);
    expect(log).toMatch(/ app\[web\.1\]: node-hello listening on \d+/);
    const routerOnly = await p.logs(app, { source: 'router' });
    expect(routerOnly.trim().split('\n')).toHaveLength(3);
    const appOnly = await p.logs(app, { dyno: 'web.1' });
    expect(appOnly).not.toContain('router:');
  }, 30_000);

  it('a tailing session receives a request made after it started', async () => {
    const tail = await p.tail(app);
    try {
      expect((await p.get(app, '/?tailed=1')).status).toBe(200);
      await waitFor(() => /router: at=info method=GET path="\/\?tailed=1".*status=200/.test(tail.text()), 5000, 'the router line in the tail');
      expect(tail.text()).not.toContain('path="/?n=0"');
    } finally {
      tail.stop();
    }
  }, 30_000);

  it('maintenance mode answers 503 with a maintenance page, and turning it off brings the app back', async () => {
    await p.ok('PATCH', `/apps/${app}`, { maintenance: true });
    const down = await waitFor(async () => { const r = await p.get(app, '/'); return r.status === 503 && r; }, 5000, 'a 503');
    expect(down.text).toContain('Offline for maintenance');
    expect(down.text).not.toContain('Hello from node-hello');
    await p.ok('PATCH', `/apps/${app}`, { maintenance: false });
    const up = await waitFor(async () => { const r = await p.get(app, '/'); return r.status === 200 && r; }, 5000, 'a 200');
    expect(up.text).toContain('Hello from node-hello');
  }, 30_000);

  it('with web scaled to zero the router answers H14', async () => {
    await p.scale(app, 'web', 0);
    await waitFor(async () => (await p.dynos(app)).length === 0, 15_000, 'no dynos');
    const res = await p.get(app, '/');
    expect(res.status).toBe(503);
    await waitFor(async () => /router: at=error code=H14 desc="No web processes running" .*status=503/.test(await p.logs(app, { source: 'router' })), 5000, 'the H14 router line');
  }, 30_000);
});
