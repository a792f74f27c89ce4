// Issue 15 end to end, on the real server and local runtime: two members of a team deploy and scale
// one team app; a viewer of the team reads its logs and releases and is refused everything else
// with a 403 that names the permission.
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '30' });

const APP = 'team-shop';

describe('a team app worked on by two members and watched by a viewer', () => {
  it('both members deploy and scale; the viewer reads logs and releases and nothing else', async () => {
    const ada = await p.as('ada@example.com');
    const bob = await p.as('bob@example.com');
    const cy = await p.as('cy@example.com');
    await ada.ok('POST', '/teams', { name: 'shop' });
    await ada.ok('PUT', '/teams/shop/members', { email: 'bob@example.com', role: 'member' });
    await ada.ok('PUT', '/teams/shop/members', { email: 'cy@example.com', role: 'viewer' });
    await bob.ok('POST', '/apps', { name: APP, team: 'shop' });
    // bob created the app (every permission on it); ada administers the team.
    await ada.deployOk(APP, fixture('node-hello'), 'ada-v1');
    await ada.waitForUp(APP, 1);
    await bob.scale(APP, 'web', 2);
    await bob.waitForUp(APP, 2);
    const dir = await p.copyFixture('node-hello');
    await bob.ok('PATCH', `/apps/${APP}/config-vars`, { GREETING: 'from bob' });
    await bob.deployOk(APP, dir, 'bob-v2');
    await ada.scale(APP, 'web', 1);
    await ada.waitForUp(APP, 1, 'web', 30_000);
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
  }, 240_000);
});
