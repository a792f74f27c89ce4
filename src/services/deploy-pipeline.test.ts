// The deploy pipeline with a builder that turns image names into slugs and a fake runtime for the
// release command: what a deploy leaves behind when its release command passes, fails or hangs.
import { afterEach, expect, it } from 'vitest';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { eventually } from './testing/eventually.js';
import { releaseWorld, type ReleaseWorld } from './testing/release-world.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

const TIMEOUT_S = 600;

async function setup() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const w = await releaseWorld({ clock, runtime, releaseTimeoutMs: TIMEOUT_S * 1000 });
  worlds.push(w);
  const releaseCommandRuns = () => eventually('a release command runs', () => runtime.runningOneOffs().length === 1);
  const output = async (buildId: string) => {
    const lines: string[] = [];
    for await (const l of w.deps.outputs.follow(buildId)) lines.push(l);
    return lines.join('\n');
  };
  const summary = async () => {
    const current = await w.store.releases.current(w.app.id);
    return {
      current: current && `v${current.version}`,
      releases: (await w.store.releases.list(w.app.id)).map((r) => `v${r.version} ${r.rollout.state}${r.rollout.reason ? ` (${r.rollout.reason})` : ''}`),
    };
  };
  return { w, clock, runtime, releaseCommandRuns, output, summary };
}

it('builds, runs the release command with the release config, makes the release current and scales web to one', async () => {
  const { w, runtime, releaseCommandRuns, output, summary } = await setup();
  await w.store.config.replace(w.app.id, { A: '1' });
  const build = await w.deploy('img-1');
  await releaseCommandRuns();
  expect(runtime.oneOffSpecs[0]).toMatchObject({ processType: 'release', command: 'node migrate.js', env: { A: '1' }, slug: 'img-1' });
  runtime.finishOneOff(runtime.runningOneOffs()[0]!, 0);
  await w.pipeline.settled(build.id);
  expect(await summary()).toEqual({ current: 'v1', releases: ['v1 releasing'] });
  expect((await w.store.builds.byId(w.app.id, build.id))).toMatchObject({ status: 'succeeded', releaseId: (await w.store.releases.current(w.app.id))!.id });
  expect((await w.store.formation.list(w.app.id)).map((f) => [f.type, f.quantity])).toEqual([['web', 1]]);
  expect(await output(build.id)).toContain('-----> Released v1');
});

it('makes a slug without a release command current at once', async () => {
  const { w, runtime, summary } = await setup();
  w.processTypes.set('img-plain', { web: 'node server.js', worker: 'node worker.js' });
  const build = await w.deploy('img-plain');
  await w.pipeline.settled(build.id);
  expect(runtime.oneOffSpecs).toEqual([]);
  expect(await summary()).toEqual({ current: 'v1', releases: ['v1 releasing'] });
  expect((await w.store.formation.list(w.app.id)).map((f) => [f.type, f.quantity]).sort()).toEqual([['web', 1], ['worker', 0]]);
});

it('fails the release and the build when the release command fails; the previous release stays current', async () => {
  const { w, runtime, releaseCommandRuns, output, summary } = await setup();
  w.processTypes.set('img-1', { web: 'node server.js' });
  await w.pipeline.settled((await w.deploy('img-1')).id);
  const build = await w.deploy('img-2');
  await releaseCommandRuns();
  runtime.finishOneOff(runtime.runningOneOffs()[0]!, 3);
  await w.pipeline.settled(build.id);
  expect(await summary()).toEqual({ current: 'v1', releases: ['v1 releasing', 'v2 failed (the release command failed with exit code 3)'] });
  expect((await w.store.builds.byId(w.app.id, build.id))?.status).toBe('failed');
  // One line says why; `git push` and `berth deploy` add only their verdict after it.
  expect((await output(build.id)).split('\n').filter((l) => l.startsWith(' !'))).toEqual([
    ' !     Release command failed with exit code 3; release v2 was not deployed.',
  ]);
});

it(`stops a release command that runs past BERTH_RELEASE_TIMEOUT and fails the release with that reason`, async () => {
  const { w, clock, runtime, releaseCommandRuns, output, summary } = await setup();
  w.processTypes.set('img-1', { web: 'node server.js' });
  await w.pipeline.settled((await w.deploy('img-1')).id);
  const build = await w.deploy('img-2');
  await releaseCommandRuns();
  await clock.advance(TIMEOUT_S * 1000 - 1);
  expect(runtime.runningOneOffs()).toHaveLength(1);
  await clock.advance(1);
  await w.pipeline.settled(build.id);
  expect(runtime.runningOneOffs()).toEqual([]);
  expect(await summary()).toEqual({ current: 'v1', releases: ['v1 releasing', `v2 failed (release command timed out after ${TIMEOUT_S} s)`] });
  expect((await w.store.builds.byId(w.app.id, build.id))?.status).toBe('failed');
  expect(await output(build.id)).toContain(`Release command timed out after ${TIMEOUT_S} s; release v2 was not deployed.`);
});

it('fails the release, not the server, when the release command cannot be started', async () => {
  const { w, runtime, summary } = await setup();
  runtime.exec = async () => { throw new Error('spawn /var/lib/berth/runtime/x ENOENT'); };
  const build = await w.deploy('img-1');
  await w.pipeline.settled(build.id);
  expect(await summary()).toEqual({ current: undefined, releases: ['v1 failed (the release command could not run)'] });
  expect((await w.store.builds.byId(w.app.id, build.id))?.status).toBe('failed');
});
