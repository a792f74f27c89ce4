// The deploy pipeline reports every build that ends to the metrics (berth_builds_total and
// berth_build_duration_seconds): its outcome, and its time from its turn to its recorded outcome.
import { afterEach, expect, it, vi } from 'vitest';
import { noMetrics, type PlatformMeasurement } from '../domain/metric-samples.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { releaseWorld, type ReleaseWorld } from './testing/release-world.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

it('reports each ended build once, with its outcome and duration', async () => {
  const clock = new FakeClock(Date.parse('2026-11-03T00:00:00Z'));
  const measured: PlatformMeasurement[] = [];
  const w = await releaseWorld({ clock, runtime: new FakeRuntime(clock), buildMs: 95_000, metrics: { ...noMetrics, platform: (p) => void measured.push(p) } });
  worlds.push(w);
  w.processTypes.set('good', { web: 'node server.js' });
  w.processTypes.set('bad', { 'Not A Type!': 'node server.js' }); // refused after the builder ran: the build fails
  const building = () => vi.waitFor(() => expect(clock.pendingSleeps()).toBeGreaterThan(0));

  const ok = await w.deploy('good');
  await building();
  await clock.advance(95_000);
  await w.pipeline.settled(ok.id);
  const failed = await w.deploy('bad');
  await building();
  await clock.advance(95_000);
  await w.pipeline.settled(failed.id);

  expect((await w.store.builds.byId(w.app.id, failed.id))?.status).toBe('failed');
  expect(measured).toEqual([
    { kind: 'build', appId: w.app.id, at: expect.any(Number), outcome: 'succeeded', durationMs: 95_000 },
    { kind: 'build', appId: w.app.id, at: expect.any(Number), outcome: 'failed', durationMs: 95_000 },
  ]);
});
