// A size change (`ps:type web=standard-2x`) reaches running dynos: each is replaced by one of the new
// size as a release switch replaces it (new one up first, then the old one drained and stopped), one
// slot of the type at a time; the release and its rollout stay as they were.
import { afterEach, describe, expect, it } from 'vitest';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

/** What runs now, as `web.1:standard-1x`, sorted. */
const running = async (w: HealthWorld) =>
  (await w.runtime.list({ appId: w.app.id })).filter((i) => i.status === 'running').map((i) => `${i.name}:${i.size}`).sort();
/** The size of the instance each route backend points at, as `web.1:standard-2x`. */
const routedSizes = async (w: HealthWorld) => {
  const backends = w.routes.current.get(w.app.name)?.backends ?? [];
  const instances = await w.runtime.list({ appId: w.app.id });
  return backends.map((b) => `${b.dyno}:${instances.find((i) => i.id === b.instanceId)?.size}`);
};
const resize = (w: HealthWorld, type: string, size: string) => w.store.formation.upsert(w.app.id, type, { size });

/** Starts the formation at its first size and brings every web dyno up. */
async function upAndLive(w: HealthWorld, webs: number): Promise<void> {
  await w.reconcile();
  for (let n = 1; n <= webs; n++) w.listen(`web.${n}`);
  await w.reconcile();
  expect(await w.rollout()).toBe('live');
}

describe('Reconciler: a size change restarts the dynos of the type', () => {
  it('starts one of the new size beside the old one, routes to it once it is up, then drains and stops the old one', async () => {
    world = await healthWorld({ web: 1 }, { drainMs: 1000 });
    await upAndLive(world, 1);
    await resize(world, 'web', 'standard-2x');

    await world.reconcile();
    expect(world.runtime.starts.at(-1)).toMatchObject({ processType: 'web', index: 1, size: { name: 'standard-2x', memoryMb: 1024 } });
    expect(await running(world)).toEqual(['web.1:standard-1x', 'web.1:standard-2x']);
    // While the new one boots, the old one keeps serving and keeps running.
    for (let n = 0; n < 5; n++) {
      await world.clock.advance(1000);
      await world.reconcile();
    }
    expect(await routedSizes(world)).toEqual(['web.1:standard-1x']);
    expect(world.runtime.stops).toEqual([]);

    world.listen('web.1');
    await world.reconcile();
    expect(await routedSizes(world)).toEqual(['web.1:standard-2x']);
    expect(world.runtime.stops).toEqual([]); // draining: in-flight requests finish first
    await world.clock.advance(1000);
    await world.reconcile();
    expect(await running(world)).toEqual(['web.1:standard-2x']);
    expect((await world.reconciler.dynos(world.app.id)).map((d) => `${d.name}:${d.size}:${d.state}`)).toEqual(['web.1:standard-2x:up']);
    expect(world.appLog).toContain('web.1: Restarting to change size from standard-1x to standard-2x');
    expect(world.appLog.filter((l) => l.includes('crashed'))).toEqual([]);

    // No new release, and the release's rollout is untouched.
    expect((await world.store.releases.list(world.app.id)).length).toBe(1);
    expect(await world.rollout()).toBe('live');
    expect(world.emitted.filter((e) => e.type === 'rollout-changed')).toHaveLength(1); // the first "live" only
  });

  it('replaces the slots of the type one at a time, each old dyno stopped only after its replacement is up', async () => {
    world = await healthWorld({ web: 3 }, { drainMs: 0 });
    await upAndLive(world, 3);
    await resize(world, 'web', 'standard-2x');

    const order: string[] = [];
    let mostBooting = 0;
    for (let step = 0; step < 20 && (await running(world)).some((r) => r.endsWith('standard-1x')); step++) {
      await world.reconcile();
      const newSize = (await world.runtime.list({ appId: world.app.id })).filter((i) => i.status === 'running' && i.size === 'standard-2x');
      const booting = newSize.filter((i) => !world.listening.has(`${i.address!.host}:${i.address!.port}`));
      mostBooting = Math.max(mostBooting, booting.length);
      // Every web slot always has a serving instance: the old one until its replacement is up.
      expect((await routedSizes(world)).map((r) => r.split(':')[0])).toEqual(['web.1', 'web.2', 'web.3']);
      for (const i of booting) {
        order.push(i.name);
        world.listen(i.name);
      }
      await world.clock.advance(200);
    }
    expect(mostBooting).toBe(1);
    expect(order).toEqual(['web.1', 'web.2', 'web.3']);
    await world.reconcile();
    expect(await running(world)).toEqual(['web.1:standard-2x', 'web.2:standard-2x', 'web.3:standard-2x']);
    expect(await routedSizes(world)).toEqual(['web.1:standard-2x', 'web.2:standard-2x', 'web.3:standard-2x']);
  });

  it('a replacement that never comes up leaves the old dyno serving and the other slots untouched', async () => {
    world = await healthWorld({ web: 2 }, { bootTimeoutMs: 10_000 });
    await upAndLive(world, 2);
    await resize(world, 'web', 'performance-m');
    for (let n = 0; n < 30; n++) {
      await world.reconcile();
      await world.clock.advance(1000);
    }
    expect(world.appLog.filter((l) => l.includes('Error R10')).length).toBeGreaterThan(0);
    expect(await routedSizes(world)).toEqual(['web.1:standard-1x', 'web.2:standard-1x']);
    // web.2 waited for web.1's turn, which never ended: no performance-m dyno of web.2 was ever started.
    expect(world.runtime.starts.filter((s) => s.index === 2 && s.size.name === 'performance-m')).toEqual([]);
    expect(await world.rollout()).toBe('live');
  });

  it('writing the same size again, or another type\'s size, restarts nothing', async () => {
    world = await healthWorld({ web: 1, worker: 1 });
    await upAndLive(world, 1);
    const starts = world.runtime.starts.length;
    await resize(world, 'web', 'standard-1x');
    await world.store.formation.upsert(world.app.id, 'web', { quantity: 1 });
    await world.reconcile();
    await world.clock.advance(5000);
    await world.reconcile();
    expect(world.runtime.starts.length).toBe(starts);
    expect(world.runtime.stops).toEqual([]);

    // A worker resize replaces the worker (no port to wait for) and leaves web alone.
    await resize(world, 'worker', 'standard-2x');
    await world.reconcile();
    await world.reconcile();
    expect(await running(world)).toEqual(['web.1:standard-1x', 'worker.1:standard-2x']);
    expect(world.runtime.stopped()).toEqual(['worker.1@v1']);
  });
});
