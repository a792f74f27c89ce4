// A first deploy's formation (web=1, or app.json's) counts against the team's quota as a scale does.
import { afterEach, expect, it } from 'vitest';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import type { App } from '../domain/types.js';
import { releaseWorld, type ReleaseWorld } from './testing/release-world.js';
import type { TeamLookup } from './team-lookup.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

it("refuses to make a first deploy current when its web=1 would take the team over its instance quota, leaving nothing scaled", async () => {
  const clock = new FakeClock();
  let teamApps: App[] = [];
  const teams: TeamLookup = {
    teamOfApp: async (id) => (teamApps.some((a) => a.id === id) ? 'core' : undefined),
    appsOfTeam: async (t) => (t === 'core' ? teamApps : undefined),
    idOf: async () => undefined,
    roleOf: async () => undefined,
  };
  const w = await releaseWorld({ clock, runtime: new FakeRuntime(clock), teams });
  worlds.push(w);
  w.processTypes.set('img', { web: 'node server.js' });
  await w.store.teams.create('core');
  teamApps = [w.app, w.other];
  // The team's other app already runs the one instance the quota allows.
  await w.store.formation.upsert(w.other.id, 'web', { quantity: 1 });
  await w.store.billing.setQuota('core', { maxInstances: 1, maxMemoryMb: null, maxAddons: null });

  const build = await w.deploy('img');
  await w.pipeline.settled(build.id);
  const lines: string[] = [];
  for await (const l of w.deps.outputs.follow(build.id)) lines.push(l);
  expect((await w.store.builds.byId(w.app.id, build.id))?.status).toBe('failed');
  expect(lines.join('\n')).toContain('The team core may run at most 1 instances; it runs 1, and this change would make it 2.');
  expect(await w.store.formation.list(w.app.id)).toEqual([]);
  expect(await w.store.releases.current(w.app.id)).toBeUndefined();

  // Within the quota the same deploy goes through.
  await w.store.billing.setQuota('core', { maxInstances: 2, maxMemoryMb: null, maxAddons: null });
  const again = await w.deploy('img');
  await w.pipeline.settled(again.id);
  expect((await w.store.formation.list(w.app.id)).map((f) => [f.type, f.quantity])).toContainEqual(['web', 1]);
});
