// app.json healthchecks (Dokku's) on the local runtime, as a user deploying an app with checks sees
// them: a content check that passes lets the release go live; one that fails fails the deploy, naming
// the check, while the previous release keeps serving; a liveness check that starts failing restarts
// the instance.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

const rollout = async (app: string, version: number): Promise<string> => {
  const r = ((await p.ok('GET', `/apps/${app}/releases`)) as { version: number; id: string }[]).find((x) => x.version === version)!;
  const release = await p.ok('GET', `/apps/${app}/releases/${r.id}`);
  return release.rollout?.reason ? `${release.rollout.state}: ${release.rollout.reason}` : String(release.rollout?.state ?? release.status);
};

it('a passing content check lets a release go live; a failing one fails the deploy naming the check, the old release serving on', async () => {
  const app = 'checks-content';
  await p.createApp(app);
  const dir = await p.copyFixture('healthcheck-app');
  const first = await p.deployOk(app, dir, 'v1');
  expect(first.output).toContain('-----> app.json: healthchecks for web: startup "health page" GET /health (body must contain "status: ok")');
  expect(first.output).toContain('Released v1: live');
  expect((await p.get(app, '/')).text).toMatch(/^healthcheck-app v1 /);

  await writeFile(join(dir, 'version.txt'), 'v2\n');
  await writeFile(join(dir, 'app.json'), JSON.stringify({
    healthchecks: { web: [{ type: 'startup', name: 'ready page', path: '/health', content: 'status: ready', attempts: 2, wait: 1 }] },
  }));
  const second = await p.deploy(app, dir, 'v2');
  const reason = 'web.1 failed its startup healthcheck "ready page" after 2 attempts: GET /health answered 200 without "status: ready" in its body';
  expect(second.output).toContain(` !     Release v2 failed: ${reason}`);
  expect(await rollout(app, 2)).toBe(`failed: ${reason}`);
  expect((await p.get(app, '/')).text).toMatch(/^healthcheck-app v1 /);
  const logs = await p.logs(app);
  expect(logs).toContain('Startup healthcheck "ready page" failed (1 of 2): GET /health answered 200 without "status: ready" in its body; trying again in 1 s');
  // Still v1 after the failed instance was stopped and while its crash restarts come and go.
  await waitFor(async () => (await p.dynos(app)).some((d) => d.release.version === 1 && d.state === 'up'), 10_000, 'v1 to keep its web dyno');
  expect((await p.get(app, '/')).text).toMatch(/^healthcheck-app v1 /);
}, 180_000);

it('an instance that fails its liveness check is restarted, and serves again', async () => {
  const app = 'checks-liveness';
  await p.createApp(app);
  const dir = await p.copyFixture('healthcheck-app');
  await writeFile(join(dir, 'app.json'), JSON.stringify({
    healthchecks: { web: [{ type: 'liveness', name: 'alive', path: '/live', attempts: 2, wait: 1 }] },
  }));
  await p.deployOk(app, dir, 'v1');
  const before = (await p.get(app, '/')).text;
  expect(before).toMatch(/^healthcheck-app v1 started \d+/);
  const [dyno] = await p.waitForUp(app, 1);
  expect((await p.get(app, '/break')).text).toBe('broken now\n');
  await waitFor(async () => (await p.logs(app)).includes('Liveness healthcheck "alive" failed 2 times in a row: GET /live answered 500, not 2xx; stopping the process'),
    20_000, 'the liveness check to fail twice');
  const [again] = await waitFor(async () => {
    const ds = await p.waitForUp(app, 1);
    return ds[0]!.id !== dyno!.id && ds;
  }, 30_000, 'a new web dyno up');
  expect(again!.release.version).toBe(1);
  const after = (await p.get(app, '/')).text;
  expect(after).toMatch(/^healthcheck-app v1 started \d+/);
  expect(after).not.toBe(before); // a new process
  expect((await p.logs(app)).split('State changed from up to crashed').length - 1).toBe(1);
}, 180_000);
