// Issue 15 end to end, on the real server and local runtime: two members of a team deploy and scale
// one team app; a viewer of the team reads its logs and releases and is refused everything else
// with a 403 that names the permission; the team's bill for the month is the instance-seconds its
// app's instances ran, as recorded.
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform, waitFor, type Dyno } from '../support/platform-harness.js';
import { intervalSeconds, recordedIntervals } from '../support/usage-records.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '30' });

const APP = 'team-shop';

describe('a team app worked on by two members and watched by a viewer', () => {
  it("both members deploy and scale; the viewer reads logs and releases and nothing else; the team's bill is the instance-seconds that ran", async () => {
    const ada = await p.as('ada@example.com');
    const bob = await p.as('bob@example.com');
    const cy = await p.as('cy@example.com');
    await ada.ok('POST', '/teams', { name: 'shop' });
    await ada.ok('PUT', '/teams/shop/members', { email: 'bob@example.com', role: 'member' });
    await ada.ok('PUT', '/teams/shop/members', { email: 'cy@example.com', role: 'viewer' });
    await bob.ok('POST', '/apps', { name: APP, team: 'shop' });
    // bob created the app (every permission on it); ada administers the team.
    await ada.deployOk(APP, fixture('node-hello'), 'ada-v1');
    const observed = new Map<string, string>();
    const observe = (dynos: Dyno[]) => { for (const d of dynos as Array<Dyno & { created_at: string }>) observed.set(d.id, d.created_at); };
    observe(await ada.waitForUp(APP, 1));
    await bob.scale(APP, 'web', 2);
    observe(await bob.waitForUp(APP, 2));
    const dir = await p.copyFixture('node-hello');
    await bob.ok('PATCH', `/apps/${APP}/config-vars`, { GREETING: 'from bob' });
    await bob.deployOk(APP, dir, 'bob-v2');
    observe(await bob.waitForUp(APP, 2));
    await ada.scale(APP, 'web', 1);
    observe(await ada.waitForUp(APP, 1, 'web', 30_000));
    expect((await p.get(APP, '/')).text).toContain('Hello from node-hello from bob');

    // The viewer reads.
    const releases = (await cy.ok('GET', `/apps/${APP}/releases`)) as Array<{ description: string; user: { email: string } }>;
    expect(releases.map((r) => r.user.email)).toEqual(expect.arrayContaining(['ada@example.com', 'bob@example.com']));
    expect(await cy.logs(APP)).toMatch(/app\[web\.1\]/);
    expect((await cy.api('GET', `/apps/${APP}/dynos`)).status).toBe(200);

    // …and is refused the rest, each time told which permission it lacks; nothing changed.
    const refusals: Array<[string, string, unknown, string]> = [
      ['PATCH', `/apps/${APP}/formation`, { updates: [{ type: 'web', quantity: 3 }] }, 'operate'],
      ['DELETE', `/apps/${APP}/dynos`, undefined, 'operate'],
      ['POST', `/apps/${APP}/dynos`, { command: 'true' }, 'operate'],
      ['GET', `/apps/${APP}/config-vars`, undefined, 'deploy'],
      ['PATCH', `/apps/${APP}/config-vars`, { GREETING: 'from cy' }, 'deploy'],
      ['POST', `/apps/${APP}/releases`, { release: '1' }, 'deploy'],
      ['POST', `/apps/${APP}/builds`, { source_blob: { url: 'x' } }, 'deploy'],
      ['PATCH', `/apps/${APP}`, { maintenance: true }, 'operate'],
      ['DELETE', `/apps/${APP}`, undefined, 'manage'],
      ['POST', `/apps/${APP}/addons`, { plan: 'postgresql:dev' }, 'manage'],
      ['POST', `/teams/apps/${APP}/collaborators`, { user: 'cy@example.com', permissions: ['deploy'] }, 'manage'],
    ];
    for (const [method, path, body, permission] of refusals) {
      const res = await cy.api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.message, `${method} ${path}`).toContain(`${permission} permission`);
    }
    // git over HTTP answers the same: no push, no clone for a viewer.
    const info = await fetch(`${p.apiUrl}/${APP}.git/info/refs?service=git-receive-pack`, {
      headers: { Authorization: `Basic ${Buffer.from(`git:${cy.token}`).toString('base64')}` },
    });
    expect(info.status).toBe(403);
    expect(await info.text()).toContain('deploy permission');
    expect((await p.dynos(APP)).filter((d) => d.type === 'web')).toHaveLength(1);
    expect(await p.ok('GET', `/apps/${APP}/config-vars`)).toEqual({ GREETING: 'from bob' });

    // The month's bill: ada (a team admin) reads the team's usage; it is the instance-seconds of the
    // instances that ran, as the meter recorded them from the runtime's own start and stop times.
    await ada.scale(APP, 'web', 0);
    await waitFor(async () => (await p.dynos(APP)).length === 0, 30_000, 'the dynos to stop');
    const intervals = await waitFor(() => {
      const rows = recordedIntervals(p.home, APP);
      return rows.length > 0 && rows.every((r) => r.ended_at !== null) && rows;
    }, 30_000, 'the recorded intervals to close');
    for (const [id, createdAt] of observed) expect(intervals.find((r) => r.id === id)?.started_at, id).toBe(createdAt);
    const month = intervals[0]!.started_at.slice(0, 7);
    await p.ok('PATCH', '/prices', { prices: { 'standard-1x': 3600 } }); // one unit per instance-second
    const bill = await ada.ok('GET', `/usage?team=shop&month=${month}`);
    const web = bill.lines.filter((l: { kind: string; process_type: string }) => l.kind === 'instance' && l.process_type === 'web');
    expect(web.reduce((sum: number, l: { quantity: number }) => sum + l.quantity, 0)).toBeCloseTo(intervalSeconds(intervals), 6);
    const invoice = ((await ada.ok('GET', '/teams/shop/invoices')) as Array<{ month: string; total: number }>).find((i) => i.month === month);
    expect(invoice?.total).toBe(bill.total);
    expect((await bob.api('GET', '/teams/shop/invoices')).status).toBe(403);
    // The server said nothing alarming on the way (its one shutdown signal has many listeners by design).
    expect(p.output()).not.toContain('MaxListenersExceededWarning');
  }, 300_000);
});
