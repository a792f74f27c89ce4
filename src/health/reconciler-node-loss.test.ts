// Instances lost with their machine (a swarm node that went down): reported exited by the runtime
// with `lostWith`, started again at once elsewhere, out of the route, and the app log says why.
import { afterEach, describe, expect, it } from 'vitest';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

async function upWeb(w: HealthWorld, n: number): Promise<void> {
  await w.reconcile();
  for (let i = 1; i <= n; i++) w.listen(`web.${i}`);
  await w.reconcile();
}

describe('Reconciler: node loss', () => {
  it('says in the app log that the instance was lost with its node, not that it exited', async () => {
    world = await healthWorld({ web: 2 });
    await upWeb(world, 2);
    world.runtime.lose(world.runtime.find('web.2').id, 'node3');
    await world.reconcile();
    expect(world.appLog).toEqual(expect.arrayContaining([
      'web.2: Lost with node node3; starting it on another node',
      'web.2: State changed from up to down',
    ]));
    expect(world.appLog.filter((l) => l.startsWith('web.2: Process exited'))).toEqual([]);
  });

  it('drops its route and starts it again at once, even when the slot crashed just before', async () => {
    world = await healthWorld({ web: 2 });
    await upWeb(world, 2);
    // Two crashes: a third would wait 1 s. A lost machine is not the app's crash and waits for nothing.
    world.runtime.crash(world.runtime.find('web.2').id);
    await world.reconcile();
    world.listen('web.2');
    await world.reconcile();
    world.runtime.crash(world.runtime.find('web.2').id);
    await world.reconcile(); // waits 1 s
    await world.clock.advance(1000);
    await world.reconcile();
    world.listen('web.2');
    await world.reconcile();
    const lost = world.runtime.find('web.2');
    const before = world.runtime.started().length;
    world.runtime.lose(lost.id, 'node3');
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(before + 1);
    expect(world.backends()).toEqual(['web.1@v1']);
    world.listen('web.2');
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1', 'web.2@v1']);
    // The crash count was left as it was: a real crash now waits 2 s (the third), not more.
    world.runtime.crash(world.runtime.find('web.2').id);
    expect((await world.reconciler.reconcile(world.app.id)).wakeInMs).toBe(2000);
  });

  it('does not fail the rollout of a release whose instance was lost before it came up', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.runtime.lose(world.runtime.find('web.1').id, 'node2');
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout()).toBe('live');
  });
});

describe('Reconciler: an instance stopped over its disk', () => {
  it('says why in the app log and counts it a crash: started again after the crash backoff', async () => {
    world = await healthWorld({ web: 1 });
    await upWeb(world, 1);
    const MiB = 1024 ** 2;
    world.runtime.overDisk(world.runtime.find('web.1').id, 40 * MiB + 1, 16 * MiB);
    await world.reconcile();
    expect(world.appLog).toEqual(expect.arrayContaining([
      "web.1: Disk quota exceeded: its working directory held 41 MB, more than its size's 16 MB; stopping process",
      'web.1: Process exited with status 143',
      'web.1: State changed from up to crashed',
    ]));
    expect(world.runtime.running()).toEqual(['web.1@v1']);
  });
});
