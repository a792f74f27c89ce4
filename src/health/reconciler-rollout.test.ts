// The rollout verdict the health side writes on the current release: live once every slot is up and
// routed, failed with a reason a user understands, and nothing written twice.
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError } from '../domain/errors.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

const rolloutEvents = (w: HealthWorld) => w.emitted.filter((e) => e.type === 'rollout-changed').map((e) => (e.type === 'rollout-changed' ? e.state : ''));

describe('Reconciler: the rollout of the current release', () => {
  it('is live once every slot of the release is up and the route points at it, not before', async () => {
    world = await healthWorld({ web: 2, worker: 1 });
    await world.reconcile();
    expect(await world.rollout()).toBe('releasing');
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout()).toBe('releasing'); // web.2 still starting
    world.listen('web.2');
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1', 'web.2@v1']);
    expect(await world.rollout()).toBe('live');
    expect(rolloutEvents(world)).toEqual(['live']);
    expect(world.appLog).toContain('api: Release v1 is live');
    await world.reconcile();
    expect(rolloutEvents(world)).toEqual(['live']); // written once
  });

  it('is live at once when the formation runs nothing', async () => {
    world = await healthWorld({ web: 0 });
    await world.reconcile();
    expect(await world.rollout()).toBe('live');
    expect(world.runtime.started()).toEqual([]);
  });

  it('fails when an instance of it crashes before it came up; restarts go on and the verdict stays', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.runtime.crash(world.runtime.find('web.1').id, 1);
    await world.reconcile();
    expect(await world.rollout()).toBe('failed: web.1 crashed (exit code 1) before it came up');
    expect(world.appLog).toContain('api: Release v1 failed: web.1 crashed (exit code 1) before it came up');
    expect(world.runtime.started()).toEqual(['web.1@v1', 'web.1@v1']); // the crash restart goes on
    world.listen('web.1');
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(await world.rollout()).toMatch(/^failed: /);
    expect(rolloutEvents(world)).toEqual(['failed']);
  });

  it('fails with R10 when web does not bind $PORT within the boot timeout, the previous release serving on', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 60_000 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    const v2 = await world.deploy();
    await world.reconcile();
    await world.clock.advance(60_000);
    await world.reconcile();
    expect(await world.rollout(v2.id)).toBe('failed: web.1 did not bind to $PORT within 60 s (R10)');
    expect(world.backends()).toEqual(['web.1@v1']);
  });

  it('a crash of an older release\'s instance does not fail the new rollout', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    await world.deploy();
    await world.reconcile(); // v2 starting, v1 serving
    world.runtime.crash((await world.runtime.list()).find((i) => i.releaseVersion === 1)!.id, 1);
    await world.reconcile();
    expect(await world.rollout()).toBe('releasing');
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout()).toBe('live');
  });
});

describe('Reconciler: each process type on its own', () => {
  it('web v2 up and worker v2 refused: routes switch to v2, the rollout says why worker failed, and the start is not retried until the formation changes', async () => {
    world = await healthWorld({ web: 1, worker: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout()).toBe('live');

    const v2 = await world.deploy();
    world.runtime.startFailures.set('worker', new BerthError('start_refused', 'no such image berth/demo:v2'));
    await world.reconcile();
    world.listen('web.1');
    for (let n = 0; n < 5; n++) {
      await world.reconcile();
      await world.clock.advance(60_000);
    }
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(await world.rollout(v2.id)).toBe('failed: worker could not start: no such image berth/demo:v2');
    expect(world.runtime.starts.filter((s) => s.processType === 'worker' && s.releaseVersion === 2)).toHaveLength(1);
    expect(world.appLog.some((l) => l.startsWith('worker.1: Could not start process: no such image'))).toBe(true);
    expect((await world.reconciler.dynos(world.app.id)).map((d) => `${d.name}@v${d.releaseVersion}:${d.state}`))
      .toEqual(['web.1@v2:up', 'worker.1@v1:up', 'worker.1@v2:crashed']);

    // A formation change is "something changed": the start is tried again.
    world.runtime.startFailures.delete('worker');
    await world.clock.advance(1000);
    await world.scale('worker', 1);
    await world.reconcile();
    await world.reconcile();
    expect(world.runtime.running()).toEqual(['web.1@v2', 'worker.1@v2']);
  });

  it('a start that fails for now is tried again after a growing delay, without holding up the other types', async () => {
    world = await healthWorld({ web: 1, worker: 1 });
    world.runtime.startFailures.set('worker', new Error('connect ECONNREFUSED /var/run/docker.sock'));
    await world.reconcile();
    world.listen('web.1');
    const attempts: number[] = [];
    const t0 = world.clock.now();
    for (let n = 0; n < 40; n++) {
      const before = world.runtime.starts.filter((s) => s.processType === 'worker').length;
      await world.reconcile();
      if (world.runtime.starts.filter((s) => s.processType === 'worker').length > before) attempts.push(world.clock.now() - t0);
      await world.clock.advance(250);
    }
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(attempts).toEqual([1000, 3000, 7000]); // 1 s, 2 s, 4 s after the previous attempt
    expect(await world.rollout()).toBe('releasing'); // not a verdict: it may still start

    world.runtime.startFailures.delete('worker');
    await world.clock.advance(8000);
    await world.reconcile();
    await world.reconcile();
    expect(world.runtime.running()).toEqual(['web.1@v1', 'worker.1@v1']);
    expect(await world.rollout()).toBe('live');
  });

  it('an instance whose removal fails does not stop the pass for the others, and its crash is counted once', async () => {
    world = await healthWorld({ worker: 2 });
    await world.reconcile();
    await world.reconcile();
    const [w1, w2] = [world.runtime.find('worker.1'), world.runtime.find('worker.2')];
    world.runtime.removeFailures.set(w1.id, new Error('(HTTP code 409) removal of container is already in progress'));
    world.runtime.crash(w1.id);
    world.runtime.crash(w2.id);
    await world.reconcile();
    expect(world.runtime.started()).toEqual(['worker.1@v1', 'worker.2@v1', 'worker.1@v1', 'worker.2@v1']);
    await world.reconcile(); // the removal is tried again; the exit is not counted twice
    expect(world.appLog.filter((l) => l === 'worker.1: Process exited with status 1')).toHaveLength(1);
    expect((await world.runtime.list()).filter((i) => i.status === 'exited')).toEqual([]);
  });
});
