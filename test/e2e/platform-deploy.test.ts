// Deploying each kind of fixture app through the API and reaching it through the router; failed
// builds and release phases leave the previous release serving.
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

describe('deploying the fixture apps', () => {
  it.each([
    ['node-hello', 'Hello from node-hello'],
    ['static-site', 'Hello from static-site'],
    ['python-hello', 'Hello from python-hello'],
  ])('%s answers through the router', async (name, text) => {
    const app = `dep-${name}`;
    await p.createApp(app);
    const { build, output } = await p.deploy(app, fixture(name), 'v1');
    expect(build.status, output).toBe('succeeded');
    expect(output).toContain('Released v1: live');
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain(text);
  }, 90_000);

  it('a worker type exists at quantity 0 and runs once scaled', async () => {
    const app = 'dep-worker';
    await p.createApp(app);
    await p.deployOk(app, fixture('procfile-worker'), 'v1');
    expect((await p.get(app, '/')).text).toContain('Hello from procfile-worker');
    const formation = (await p.ok('GET', `/apps/${app}/formation`)) as { type: string; quantity: number }[];
    expect(formation.find((f) => f.type === 'worker')).toMatchObject({ quantity: 0 });
    expect(formation.find((f) => f.type === 'web')).toMatchObject({ quantity: 1 });
    expect((await p.dynos(app)).map((d) => d.name)).toEqual(['web.1']);

    await p.scale(app, 'worker', 1);
    await waitFor(async () => /app\[worker\.1\]: worker tick \d+/.test(await p.logs(app)), 15_000, 'worker.1 output in the log');
    expect((await p.dynos(app)).map((d) => d.name)).toEqual(['web.1', 'worker.1']);
  }, 60_000);
});

describe('failed deploys', () => {
  it('a failing build leaves the previous release serving', async () => {
    const app = 'dep-failing';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'good');
    const { build, output } = await p.deploy(app, fixture('failing-build'), 'bad');
    expect(build.status).toBe('failed');
    expect(output).toContain('failing-build: the build script failed on purpose');
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Hello from node-hello');
    const releases = (await p.ok('GET', `/apps/${app}/releases`)) as { version: number; current: boolean }[];
    expect(releases.filter((r) => r.current).map((r) => r.version)).toEqual([1]);
    expect((await p.dynos(app)).map((d) => [d.name, d.state, d.release.version])).toEqual([['web.1', 'up', 1]]);
  }, 90_000);

  it('the release command runs before the new release takes over', async () => {
    const app = 'dep-release-phase';
    await p.createApp(app);
    const { output } = await p.deployOk(app, fixture('release-phase'), 'v1');
    const ran = output.indexOf('release-phase: wrote /app/release-output.txt');
    expect(ran, output).toBeGreaterThan(-1);
    expect(ran).toBeLessThan(output.indexOf('-----> Released v1'));
    expect(output.indexOf('-----> Released v1')).toBeLessThan(output.indexOf('Released v1: live'));
    // The app log shows the web process starting only after the release was made (after the release command).
    const log = await p.logs(app);
    expect(log.indexOf('release v1')).toBeLessThan(log.indexOf('berth[web.1]: Starting process'));
    // As on Heroku, what the release command writes into /app is not kept: each instance gets a
    // fresh /app over the slug, so the web process finds no file (the fixture README expects one).
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('release output missing');
  }, 60_000);

  it('a failing release command fails the deploy and the old release keeps serving', async () => {
    const app = 'dep-release-fails';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'good');
    const { build, output } = await p.deploy(app, fixture('release-fails'), 'bad');
    expect(build.status).toBe('failed');
    expect(output).toContain('release-fails: the release command failed on purpose');
    // One line says why (the pushers' verdict comes after it, from `git push` or `berth deploy`).
    expect(output.split('\n').filter((l) => l.startsWith(' !'))).toEqual([expect.stringMatching(/^ ! +Release command failed with exit code \d+; release v2 was not deployed\.$/)]);
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Hello from node-hello');
    const releases = (await p.ok('GET', `/apps/${app}/releases`)) as { version: number; current: boolean; status: string }[];
    expect(releases.filter((r) => r.current).map((r) => r.version)).toEqual([1]);
    expect((await p.dynos(app)).map((d) => d.release.version)).toEqual([1]);
  }, 90_000);
});
