// Build-seconds are the builder's own time, recorded by the deploy pipeline; a build a server restart
// cut off is not charged.
import { afterEach, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { endInterruptedWork } from './interrupted-work.js';
import { releaseWorld, type ReleaseWorld } from './testing/release-world.js';
import { noTeams } from './team-lookup.js';
import { usageReport } from './usage.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

async function setup() {
  const clock = new FakeClock(Date.parse('2026-11-03T00:00:00Z'));
  const runtime = new FakeRuntime(clock);
  const w = await releaseWorld({ clock, runtime, buildMs: 95_000 });
  worlds.push(w);
  w.processTypes.set('img', { web: 'node server.js' });
  const buildSeconds = async () => (await usageReport({ store: w.store, clock, teams: noTeams }, w.user, { month: '2026-11' }))
    .lines.filter((l) => l.kind === 'build').map((l) => l.quantity);
  // The build runs in the background: time may move only once its builder is at work (asleep on the clock).
  const building = () => vi.waitFor(() => expect(clock.pendingSleeps()).toBeGreaterThan(0));
  return { w, clock, buildSeconds, building };
}

it("counts each build's builder time", async () => {
  const { w, clock, buildSeconds, building } = await setup();
  const first = await w.deploy('img');
  await building();
  await clock.advance(95_000);
  await w.pipeline.settled(first.id);
  await clock.advance(600_000); // time after the build is not build time
  const second = await w.deploy('img');
  await building();
  await clock.advance(95_000);
  await w.pipeline.settled(second.id);
  expect(await buildSeconds()).toEqual([190]);
});

it('does not charge a build a server restart cut off', async () => {
  const { w, clock, buildSeconds, building } = await setup();
  await w.deploy('img');
  await building();
  await clock.advance(30_000); // the server dies 30 s into the build
  await endInterruptedWork({ store: w.store, events: w.deps.events, logger: silentLogger, outputs: w.deps.outputs, buildsDir: w.deps.paths.builds });
  await clock.advance(600_000);
  expect(await buildSeconds()).toEqual([]);
});
