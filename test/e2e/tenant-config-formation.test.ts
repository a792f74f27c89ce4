// Issue 10, as a hostile tenant on the real server and local runtime: process types named like
// JavaScript object properties (in a Procfile and through ps:scale), and config vars that are too
// big or name platform variables. Each is refused, and the app keeps serving what it served.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
// Boot time is not what these tests are about: a shared, loaded machine must not turn a slow
// start into R10 crashes.
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '30' });

const HOSTILE = ['constructor', '__proto__', 'toString'];

describe('process types named like object properties', () => {
  it('a Procfile line declaring one fails the build clearly, and the previous release keeps serving', async () => {
    const app = 'hostile-types';
    await p.createApp(app);
    await p.deployOk(app, fixture('procfile-worker'), 'good');
    for (const type of HOSTILE) {
      const dir = await p.copyFixture('procfile-worker');
      await appendFile(join(dir, 'Procfile'), `${type}: node web.js\n`);
      const { build, output } = await p.deploy(app, dir, `bad-${type}`);
      expect(build.status, output).toBe('failed');
      expect(output).toContain('Procfile line 3: ');
      expect(output).toContain(`process type ${JSON.stringify(type)}`);
    }
    const releases = (await p.ok('GET', `/apps/${app}/releases`)) as { version: number; current: boolean }[];
    expect(releases.map((r) => [r.version, r.current])).toEqual([[1, true]]);
    expect((await p.get(app, '/')).text).toContain('Hello from procfile-worker');
    expect((await p.dynos(app)).map((d) => d.name)).toEqual(['web.1']);
  }, 120_000);

  it('ps:scale of one is refused with 422 and starts no dyno', async () => {
    const app = 'hostile-scale';
    await p.createApp(app);
    await p.deployOk(app, fixture('procfile-worker'), 'v1');
    for (const type of HOSTILE) {
      const res = await p.api('PATCH', `/apps/${app}/formation`, { updates: [{ type, quantity: 2 }] });
      expect(res.status, type).toBe(422);
      expect(res.body.message).toMatch(new RegExp(`process type ${JSON.stringify(type)}`, 'i'));
    }
    const formation = (await p.ok('GET', `/apps/${app}/formation`)) as { type: string; quantity: number }[];
    expect(formation.map((f) => [f.type, f.quantity])).toEqual([['web', 1], ['worker', 0]]);
    expect((await p.dynos(app)).map((d) => d.name)).toEqual(['web.1']);
  }, 90_000);
});

describe('config vars', () => {
  it('an over-limit or platform config change is refused and the running app keeps its config; rollback restores an old one', async () => {
    const app = 'hostile-config';
    await p.createApp(app);
    const served = (greeting: string) => waitFor(async () => (await p.get(app, '/')).text.includes(`node-hello ${greeting}`), 30_000, `the app to greet ${greeting}`);
    await p.ok('PATCH', `/apps/${app}/config-vars`, { GREETING: 'blue' });
    const dir = await p.copyFixture('node-hello');
    await writeFile(join(dir, 'Procfile'), 'web: node server.js\n');
    await p.deployOk(app, dir, 'v1');
    await served('blue');
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`BIG_${i}`, 'x'.repeat(2000)]));
    const tooBig = await p.api('PATCH', `/apps/${app}/config-vars`, big);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.id).toBe('config_too_large');
    const port = await p.api('PATCH', `/apps/${app}/config-vars`, { PORT: '1' });
    expect(port.status).toBe(422);
    expect(port.body.message).toContain('PORT is set by the platform');
    expect((await p.ok('GET', `/apps/${app}/releases`)).length).toBe(2);
    expect((await p.get(app, '/')).text).toContain('Hello from node-hello blue');

    await p.ok('PATCH', `/apps/${app}/config-vars`, { GREETING: 'red' });
    await served('red');
    await p.ok('POST', `/apps/${app}/releases`, { release: 'v2' });
    expect(await p.ok('GET', `/apps/${app}/config-vars`)).toEqual({ GREETING: 'blue' });
    await served('blue');
  }, 120_000);
});
