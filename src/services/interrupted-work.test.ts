// What a restarted server does with the work a dead one left half done (real SQLite store and build outputs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BuildOutputs } from '../logs/build-output.js';
import { silentLogger } from '../platform/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { endInterruptedWork } from './interrupted-work.js';
import { PlatformEvents, type PlatformEvent } from './platform-events.js';

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-interrupted-'));
  store = new SqliteStore(join(dir, 'berth.sqlite'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function world() {
  const user = await store.users.create({ email: 'a@example.com', passwordHash: 'h', isAdmin: false });
  const app = await store.apps.create({ name: 'demo', ownerId: user.id, stack: 'berth-24' });
  const newBuild = () => store.builds.create({ appId: app.id, userId: user.id, sourceUrl: 'x', sourceVersion: null, buildpacks: [] });
  const newRelease = (current: boolean) => store.releases.create({ appId: app.id, description: 'Deploy', current, slugId: null, config: {}, userId: user.id });
  return { app, newBuild, newRelease };
}

it('fails builds and pending releases a dead server left, with the reason in the build output and the rollout', async () => {
  const { app, newBuild, newRelease } = await world();
  const live = await newRelease(true);
  await store.releases.setRollout(live.id, 'live');
  // The dead server was running this build's release command: its release is pending.
  const build = await newBuild();
  const pending = await newRelease(false);
  await store.builds.update(build.id, { releaseId: pending.id });
  const builds = join(dir, 'builds');
  mkdirSync(join(builds, `${build.id}-x1y2`, 'src'), { recursive: true });
  writeFileSync(join(builds, `${build.id}.log`), '-----> Running release command: ./migrate\n');
  const seen: PlatformEvent[] = [];
  const events = new PlatformEvents();
  events.on((e) => void seen.push(e));

  const ended = await endInterruptedWork({ store, events, logger: silentLogger, outputs: new BuildOutputs(builds), buildsDir: builds });

  expect(ended).toEqual({ builds: 1, releases: 1 });
  expect((await store.builds.byId(app.id, build.id))?.status).toBe('failed');
  expect(await store.releases.byId(app.id, pending.id)).toMatchObject({ status: 'failed', rollout: { state: 'failed', reason: 'interrupted by a server restart' } });
  expect((await store.releases.current(app.id))?.id).toBe(live.id);
  expect(readFileSync(join(builds, `${build.id}.log`), 'utf8').split('\n')).toContain(' !     Build interrupted by a server restart.');
  expect(existsSync(join(builds, `${build.id}-x1y2`))).toBe(false);
  expect(seen).toContainEqual({ type: 'rollout-changed', appId: app.id, releaseId: pending.id, state: 'failed' });
  // As the pipeline and the release owner announce their endings: app webhooks send api:build and api:release.
  expect(seen).toContainEqual({ type: 'release-changed', appId: app.id, releaseId: pending.id, action: 'update' });
  expect(seen).toContainEqual({ type: 'build-changed', appId: app.id, buildId: build.id, action: 'update' });
});

it('leaves a release already current to the health manager, and counts its build as done', async () => {
  const { app, newBuild, newRelease } = await world();
  const build = await newBuild();
  const releasing = await newRelease(true);
  await store.builds.update(build.id, { releaseId: releasing.id });
  const builds = join(dir, 'builds');

  await endInterruptedWork({ store, events: new PlatformEvents(), logger: silentLogger, outputs: new BuildOutputs(builds), buildsDir: builds });

  expect((await store.builds.byId(app.id, build.id))?.status).toBe('succeeded');
  expect((await store.releases.byId(app.id, releasing.id))?.rollout.state).toBe('releasing');
  expect(readFileSync(join(builds, `${build.id}.log`), 'utf8')).toContain('its rollout goes on');
});
