// The release owner: actions that make a release take the app's turn, so none loses another's release.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { attachAddon } from './addon-attachments.js';
import { updateConfigVars } from './config-vars.js';
import { rollback } from './releases.js';
import { eventually } from './testing/eventually.js';
import { releaseWorld, SHARED_DB_URL, type ReleaseWorld } from './testing/release-world.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

async function setup() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const w = await releaseWorld({ clock, runtime });
  worlds.push(w);
  /** Waits until exactly one release command runs, then ends it with this exit code. */
  const finishReleaseCommand = async (exitCode = 0) => {
    await eventually('a release command runs', () => runtime.runningOneOffs().length === 1);
    runtime.finishOneOff(runtime.runningOneOffs()[0]!, exitCode);
  };
  const deployed = async (image: string) => {
    const build = await w.deploy(image);
    await finishReleaseCommand();
    await w.pipeline.settled(build.id);
    return build;
  };
  const current = async (appId = w.app.id) => {
    const release = (await w.store.releases.current(appId))!;
    const slug = release.slugId ? await w.store.slugs.byId(release.slugId) : undefined;
    return { version: release.version, slug: slug?.location, config: release.config };
  };
  /** Resolves to whether the promise has settled by now, without waiting for it. */
  const hasSettled = async (p: Promise<unknown>) => {
    let done = false;
    void p.then(() => { done = true; }, () => { done = true; });
    await new Promise((r) => setImmediate(r));
    return done;
  };
  return { w, clock, runtime, finishReleaseCommand, deployed, current, hasSettled };
}

it('keeps the deploy when config is set while its release command runs: the change lands on the new slug', async () => {
  const { w, runtime, finishReleaseCommand, deployed, current, hasSettled } = await setup();
  await deployed('img-1');
  const build = await w.deploy('img-2');
  await eventually('the release command of img-2 runs', () => runtime.runningOneOffs().length === 1);

  const configSet = updateConfigVars(w.deps, w.user, 'demo', { GREETING: 'hello' });
  // Acknowledged only once its release is recorded, which is after the deploy's turn.
  await eventually('the config change waits its turn', () => w.owner.inLine(w.app.id) === 2);
  expect(await hasSettled(configSet)).toBe(false);

  await finishReleaseCommand(0);
  await configSet;
  await w.pipeline.settled(build.id);

  expect(await current()).toEqual({ version: 3, slug: 'img-2', config: { GREETING: 'hello' } });
  expect((await w.store.builds.byId(w.app.id, build.id))?.status).toBe('succeeded');
  expect((await w.store.releases.list(w.app.id)).map((r) => `v${r.version} ${r.description}`)).toEqual(['v1 Deploy img-1', 'v2 Deploy img-2', 'v3 Set GREETING config vars']);
  expect((await w.store.releases.byVersion(w.app.id, 2))?.rollout.state).toBe('superseded');
});

it('gives a deploy recorded after a waiting config change that config, and its own slug', async () => {
  const { w, runtime, finishReleaseCommand, current } = await setup();
  const first = await w.deploy('img-1');
  await eventually('the release command of img-1 runs', () => runtime.runningOneOffs().length === 1);
  const configSet = updateConfigVars(w.deps, w.user, 'demo', { GREETING: 'hello' });
  const second = await w.deploy('img-2');
  await finishReleaseCommand(0);
  await configSet;
  await finishReleaseCommand(0);
  await w.pipeline.settled(first.id);
  await w.pipeline.settled(second.id);
  expect(await current()).toEqual({ version: 3, slug: 'img-2', config: { GREETING: 'hello' } });
  expect((await w.store.releases.byVersion(w.app.id, 2))?.description).toBe('Set GREETING config vars');
});

it('lets a rollback and an add-on attach made during a failing release command apply to the release that stays current', async () => {
  const { w, runtime, finishReleaseCommand, deployed, current } = await setup();
  await deployed('img-1');
  await updateConfigVars(w.deps, w.user, 'demo', { A: '1' });
  const build = await w.deploy('img-2');
  await eventually('the release command runs', () => runtime.runningOneOffs().length === 1);
  const rolledBack = rollback(w.deps, w.user, 'demo', 'v1');
  const attached = attachAddon(w.deps, w.user, { addon: w.addon.name, app: 'demo', name: 'SHARED' });
  await finishReleaseCommand(1);
  await w.pipeline.settled(build.id);
  expect((await rolledBack).version).toBe(4);
  await attached;
  expect(await current()).toEqual({ version: 5, slug: 'img-1', config: { SHARED_URL: SHARED_DB_URL } });
  const failed = (await w.store.releases.byVersion(w.app.id, 3))!;
  expect([failed.description, failed.rollout.state, failed.rollout.reason]).toEqual(['Deploy img-2', 'failed', 'the release command failed with exit code 1']);
});

it('takes turns per app: another app changes while this app’s release command runs', async () => {
  const { w, runtime, finishReleaseCommand, current } = await setup();
  const build = await w.deploy('img-1');
  await eventually('the release command runs', () => runtime.runningOneOffs().length === 1);
  await updateConfigVars(w.deps, w.user, 'other', { B: '2' });
  expect((await current(w.other.id)).config).toEqual({ B: '2' });
  expect(runtime.runningOneOffs()).toHaveLength(1);
  await finishReleaseCommand(0);
  await w.pipeline.settled(build.id);
});

it('announces each rollout it moves: a failed release, a release made current and the one it superseded', async () => {
  const { w, runtime, finishReleaseCommand, deployed } = await setup();
  await deployed('img-1');
  const failing = await w.deploy('img-2');
  await finishReleaseCommand(1);
  await w.pipeline.settled(failing.id);
  await updateConfigVars(w.deps, w.user, 'demo', { A: '1' });
  const ids = new Map((await w.store.releases.list(w.app.id)).map((r) => [r.id, `v${r.version}`]));
  const moves = w.events.flatMap((e) => (e.type === 'rollout-changed' ? [`${ids.get(e.releaseId)} ${e.state}`] : e.type === 'app-changed' ? [`app ${e.reason}`] : []));
  expect(moves).toEqual(['v1 releasing', 'app deploy', 'v2 failed', 'v1 superseded', 'v3 releasing', 'app config-changed']);
  expect(runtime.runningOneOffs()).toEqual([]);
});

it('is the only code that records releases or moves the current pointer', () => {
  const src = fileURLToPath(new URL('..', import.meta.url));
  const offenders: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!['store', 'testing'].includes(name)) walk(p);
      } else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('release-owner.ts')) {
        if (/releases\.(create|makeCurrent)\(/.test(readFileSync(p, 'utf8'))) offenders.push(relative(src, p));
      }
    }
  })(src);
  expect(offenders).toEqual([]);
});
