// git push accepts only a release whose stored rollout went live (real SQLite store, fake time).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { App, User } from '../domain/types.js';
import { FakeClock, flush } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { PlatformEvents } from './platform-events.js';
import { pushVerdict, rejectionLine, type PushVerdict } from './push-verdict.js';
import { rolloutLines } from './rollout-report.js';

let dir: string;
let store: SqliteStore;
let clock: FakeClock;
let events: PlatformEvents;
let user: User;
let app: App;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-verdict-'));
  clock = new FakeClock();
  store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
  events = new PlatformEvents();
  user = await store.users.create({ email: 'a@example.com', passwordHash: 'h', isAdmin: false });
  app = await store.apps.create({ name: 'demo', ownerId: user.id, stack: 'berth-24' });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pushedRelease(slugLocation = '/slugs/a') {
  const slug = await store.slugs.create({ appId: app.id, location: slugLocation, processTypes: { web: 'x' }, buildpackDescription: 'x', commit: null, sizeBytes: 1 });
  const release = await store.releases.create({ appId: app.id, description: 'Deploy', current: true, slugId: slug.id, config: {}, userId: user.id });
  const build = await store.builds.create({ appId: app.id, userId: user.id, sourceUrl: 'x', sourceVersion: null, buildpacks: [] });
  await store.builds.update(build.id, { status: 'succeeded', slugId: slug.id, releaseId: release.id });
  return { build, release, slug };
}

/** What the health manager does when it has a verdict. */
async function verdict(releaseId: string, state: 'live' | 'failed', reason?: string) {
  await store.releases.setRollout(releaseId, state, reason);
  events.emit({ type: 'rollout-changed', appId: app.id, releaseId, state });
}

function judge(buildId: string) {
  let answer: PushVerdict | undefined;
  void pushVerdict({ store, events, clock }, app, buildId, { timeoutMs: 60_000 }).then((v) => { answer = v; });
  return () => answer;
}

it('waits for the stored rollout and accepts the push only once it is live', async () => {
  const { build, release } = await pushedRelease();
  const answer = judge(build.id);
  await flush();
  expect(answer()).toBeUndefined();
  await verdict(release.id, 'live');
  await flush();
  expect(answer()).toEqual({ ok: true, version: 1 });
});

it('refuses a push whose release failed after it was made current, with the health manager\'s reason', async () => {
  const { build, release } = await pushedRelease();
  const answer = judge(build.id);
  await verdict(release.id, 'failed', 'web.1 crashed (exit code 1) before it came up');
  await flush();
  expect(answer()).toMatchObject({ ok: false, reason: 'release v1 failed: web.1 crashed (exit code 1) before it came up; see `berth logs -a demo`.' });
});

it('a pusher reads a failed rollout\'s reason once: the build output\'s line, then "Push rejected" without repeating it', async () => {
  const { build, release } = await pushedRelease();
  const answer = judge(build.id);
  await verdict(release.id, 'failed', 'web.1 crashed (exit code 1) before it came up');
  await flush();
  const refused = answer();
  if (!refused || refused.ok) throw new Error('expected a refusal');
  const output = rolloutLines('demo', 1, await store.releases.byId(app.id, release.id), 60_000);
  const seen = [...output, rejectionLine(refused, output)];
  expect(seen).toEqual([
    ' !     Release v1 failed: web.1 crashed (exit code 1) before it came up',
    ' !     Push rejected: release v1 failed; see `berth logs -a demo`.',
  ]);
  // Output that never said why (e.g. it ended while the rollout still ran): the rejection says it.
  expect(rejectionLine(refused, [])).toBe(' !     Push rejected: release v1 failed: web.1 crashed (exit code 1) before it came up; see `berth logs -a demo`.');
});

it('accepts a release superseded by a config change on the same slug once that one is live', async () => {
  const { build, slug } = await pushedRelease();
  const answer = judge(build.id);
  await flush();
  const configChange = await store.releases.create({ appId: app.id, description: 'Set FOO', current: true, slugId: slug.id, config: { FOO: '1' }, userId: user.id });
  events.emit({ type: 'rollout-changed', appId: app.id, releaseId: configChange.id, state: 'releasing' });
  await flush();
  expect(answer()).toBeUndefined();
  await verdict(configChange.id, 'live');
  await flush();
  expect(answer()).toEqual({ ok: true, version: 2 });
});

it('refuses a release superseded by another build, naming the successor', async () => {
  const { build } = await pushedRelease('/slugs/a');
  const answer = judge(build.id);
  await flush();
  await pushedRelease('/slugs/b');
  events.emit({ type: 'app-changed', appId: app.id, reason: 'deploy' });
  await clock.advance(2000);
  expect(answer()).toMatchObject({ ok: false, reason: 'release v1 was superseded by v2 (a different build) before it went live.' });
});

it('refuses, saying how to follow it, when the rollout has not ended in time', async () => {
  const { build } = await pushedRelease();
  const answer = judge(build.id);
  for (let s = 0; s < 61; s++) await clock.advance(1000);
  expect(answer()).toMatchObject({ ok: false, reason: 'release v1 is still rolling out (releasing); follow it with `berth releases:info v1 -a demo`.' });
});

it('says the previous release keeps serving only when there is one', async () => {
  const first = await store.builds.create({ appId: app.id, userId: user.id, sourceUrl: 'x', sourceVersion: null, buildpacks: [] });
  await store.builds.update(first.id, { status: 'failed' });
  const none = await pushVerdict({ store, events, clock }, app, first.id, { timeoutMs: 0 });
  expect(none).toMatchObject({ ok: false, outcome: 'the build failed; nothing was deployed, the app has no release running yet.' });
  const { release } = await pushedRelease();
  await verdict(release.id, 'live');
  const second = await store.builds.create({ appId: app.id, userId: user.id, sourceUrl: 'x', sourceVersion: null, buildpacks: [] });
  await store.builds.update(second.id, { status: 'failed' });
  const kept = await pushVerdict({ store, events, clock }, app, second.id, { timeoutMs: 0 });
  expect(kept).toMatchObject({ ok: false, outcome: 'the build failed; the previous release keeps serving.' });
});
