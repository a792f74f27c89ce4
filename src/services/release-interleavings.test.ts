// Randomized interleavings of everything that makes a release: deploys whose release command blocks for
// a random number of steps (and sometimes fails), config:set / unset, rollback, add-on attach/detach.
// Afterwards every release must equal what applying the acknowledged actions one by one, in release
// order, gives. Seeded (RELEASE_SEED=<n>; the seed is printed): a seed fixes the actions tried; where
// they land relative to release commands also depends on real I/O (SQLite, temp files) timing.
import { afterEach, expect, it } from 'vitest';
import { isBerthError } from '../domain/errors.js';
import type { Release } from '../domain/types.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { attachAddon, detachAddon } from './addon-attachments.js';
import { updateConfigVars } from './config-vars.js';
import { rollback } from './releases.js';
import { eventually } from './testing/eventually.js';
import { releaseWorld, SHARED_DB_URL, type ReleaseWorld } from './testing/release-world.js';

const ROUNDS = 4;
const STEPS = 40;
/** Refusals an action may meet when it takes its turn; anything else fails the test. */
const EXPECTED_REFUSALS = new Set(['invalid_params', 'name_taken', 'addon_attachment_not_found']);

/** mulberry32: small, seedable, good enough to pick actions. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

interface Expected { slug: string | null; config: Record<string, string> }

async function runRound(seed: number): Promise<void> {
  const rand = random(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  const w = await releaseWorld({ clock, runtime });
  worlds.push(w);

  const inFlight: Promise<unknown>[] = [];
  const acknowledged = { configKeys: new Set<string>(), unsetKeys: new Set<string>(), rollbacks: [] as number[], attaches: 0, detaches: 0 };
  const values = new Map<string, string>();
  const failedOnPurpose = new Set<string>();
  const builds: string[] = [];
  let n = 0;
  let busiest = 0;
  const track = <T>(p: Promise<T>, onOk: (v: T) => void) => {
    inFlight.push(p.then(onOk, (e: unknown) => {
      if (!isBerthError(e) || !EXPECTED_REFUSALS.has(e.code)) throw e;
    }));
  };
  const finishReleaseCommand = () => {
    const running = runtime.runningOneOffs();
    if (running.length === 0) return;
    expect(running).toHaveLength(1); // one app: the owner runs one release command at a time
    const fail = rand() < 0.25;
    if (fail) failedOnPurpose.add(runtime.oneOffSpecs.at(-1)!.releaseId);
    runtime.finishOneOff(running[0]!, fail ? 1 : 0);
  };

  for (let step = 0; step < STEPS; step++) {
    const action = pick(['deploy', 'deploy', 'config', 'config', 'unset', 'rollback', 'attach', 'detach', 'finish', 'finish', 'finish', 'wait']);
    n++;
    if (action === 'deploy') {
      if (rand() < 0.15) w.processTypes.set(`img-${n}`, { web: 'node server.js' });
      builds.push((await w.deploy(`img-${n}`, `d${n}`)).id);
    } else if (action === 'config') {
      const key = `K${n}`;
      values.set(key, `v${n}`);
      track(updateConfigVars(w.deps, w.user, 'demo', { [key]: `v${n}` }), () => acknowledged.configKeys.add(key));
    } else if (action === 'unset' && values.size > 0) {
      const key = pick([...values.keys()]);
      track(updateConfigVars(w.deps, w.user, 'demo', { [key]: null }), () => acknowledged.unsetKeys.add(key));
    } else if (action === 'rollback') {
      const releases = await w.store.releases.list(w.app.id);
      if (releases.length > 0) track(rollback(w.deps, w.user, 'demo', `v${pick(releases).version}`), (r) => acknowledged.rollbacks.push(r.version));
    } else if (action === 'attach') {
      track(attachAddon(w.deps, w.user, { addon: w.addon.name, app: 'demo', name: 'SHARED' }), () => acknowledged.attaches++);
    } else if (action === 'detach') {
      const attachment = (await w.store.addons.attachments({ appId: w.app.id }))[0];
      if (attachment) track(detachAddon(w.deps, w.user, attachment.id), () => acknowledged.detaches++);
    } else if (action === 'finish') {
      finishReleaseCommand();
    }
    busiest = Math.max(busiest, w.owner.inLine(w.app.id));
    // Let the actions started so far run up to where they wait (their turn, a release command).
    for (let t = 0; t < 1 + Math.floor(rand() * 4); t++) await new Promise((r) => setTimeout(r, 1));
  }
  // Drain: end release commands until every build and action has settled.
  const all = Promise.all([...inFlight, ...builds.map((id) => w.pipeline.settled(id))]);
  let settled = false;
  void all.then(() => { settled = true; }, () => { settled = true; });
  await eventually('every action settled', () => {
    finishReleaseCommand();
    return settled;
  }, 4000);
  await all;

  // Replay the releases in order against a model of what each acknowledged action does.
  const releases = await w.store.releases.list(w.app.id);
  expect(releases.map((r) => r.version)).toEqual(releases.map((_, i) => i + 1));
  const slugOf = async (r: Release) => (r.slugId ? (await w.store.slugs.byId(r.slugId))!.location : null);
  const expected = new Map<number, Expected>();
  let model: Expected = { slug: null, config: {} };
  let lastMadeCurrent: number | undefined;
  const seen = { configKeys: new Set<string>(), unsetKeys: new Set<string>(), rollbacks: [] as number[], attaches: 0, detaches: 0 };
  for (const r of releases) {
    const d = r.description;
    let next: Expected;
    if (d.startsWith('Deploy ')) {
      next = { slug: `img-${d.slice('Deploy d'.length)}`, config: model.config };
      expect(r.rollout.state === 'failed', `v${r.version} ${d}: failed iff its release command failed`).toBe(failedOnPurpose.has(r.id));
    } else if (d.startsWith('Rollback to v')) {
      next = expected.get(Number(d.slice('Rollback to v'.length)))!;
      seen.rollbacks.push(r.version);
    } else if (d.startsWith('Attach SHARED')) {
      next = { slug: model.slug, config: { ...model.config, SHARED_URL: SHARED_DB_URL } };
      seen.attaches++;
    } else if (d.startsWith('Detach SHARED')) {
      const { SHARED_URL: _gone, ...rest } = model.config;
      next = { slug: model.slug, config: rest };
      seen.detaches++;
    } else {
      const set = /^Set (\S+) config vars$/.exec(d);
      const unset = /^Remove (\S+) config vars$/.exec(d);
      expect(set ?? unset, `unexpected release ${d}`).toBeTruthy();
      const config = { ...model.config };
      if (set) { config[set[1]!] = values.get(set[1]!)!; seen.configKeys.add(set[1]!); }
      if (unset) { delete config[unset[1]!]; seen.unsetKeys.add(unset[1]!); }
      next = { slug: model.slug, config };
    }
    expect({ version: r.version, slug: await slugOf(r), config: r.config }).toEqual({ version: r.version, ...next });
    expected.set(r.version, next);
    if (r.rollout.state !== 'failed') {
      expect(r.currentAt, `v${r.version} ${d} became current`).not.toBeNull();
      model = next;
      lastMadeCurrent = r.version;
    }
  }
  console.log(`round ${seed}: ${releases.length} releases (${builds.length} deploys, ${failedOnPurpose.size} failed on purpose), up to ${busiest} actions in line at once`);
  // Nothing acknowledged was dropped, and the pointer is the last release made current.
  expect(seen.configKeys).toEqual(acknowledged.configKeys);
  // An unset that found the var already gone makes no release (as on Heroku); every removal was asked for.
  for (const key of seen.unsetKeys) expect(acknowledged.unsetKeys).toContain(key);
  expect(seen.rollbacks.sort()).toEqual(acknowledged.rollbacks.sort());
  expect([seen.attaches, seen.detaches]).toEqual([acknowledged.attaches, acknowledged.detaches]);
  expect((await w.store.releases.current(w.app.id))?.version).toBe(lastMadeCurrent);
  expect(await w.store.config.get(w.app.id)).toEqual(model.config);
  for (const id of builds) {
    const build = (await w.store.builds.byId(w.app.id, id))!;
    const release = releases.find((r) => r.id === build.releaseId)!;
    expect(build.status).toBe(release.rollout.state === 'failed' ? 'failed' : 'succeeded');
  }
}

it('keeps every acknowledged action, in one order, through random interleavings with deploys', async () => {
  const seed = Number(process.env.RELEASE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`release interleavings: RELEASE_SEED=${seed}`);
  for (let round = 0; round < ROUNDS; round++) await runRound(seed + round);
}, 60_000);
