import { afterEach, describe, expect, it } from 'vitest';
import { flush } from '../platform/testing/fake-clock.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

const states = async (w: HealthWorld) => (await w.reconciler.dynos(w.app.id)).map((d) => `${d.name}:${d.state}`);

/** Crashes the running instance and reconciles; returns what the reconciler asked for as its next wake-up. */
async function crash(w: HealthWorld, dyno: string): Promise<number | undefined> {
  w.runtime.crash(w.runtime.find(dyno).id, 1);
  return (await w.reconciler.reconcile(w.app.id)).wakeInMs;
}

describe('Reconciler: crash restarts', () => {
  it('restarts at once after the first crash, then after 1 s, 2 s, 4 s … up to 5 minutes', async () => {
    world = await healthWorld({ worker: 1 });
    await world.reconcile();
    const expected = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map((s) => s * 1000);
    for (const delay of expected) {
      const before = world.runtime.started().length;
      const wakeInMs = await crash(world, 'worker.1');
      if (delay === 0) {
        expect(world.runtime.started()).toHaveLength(before + 1);
        continue;
      }
      expect(wakeInMs).toBe(delay);
      expect(await states(world)).toEqual(['worker.1:crashed']);
      await world.clock.advance(delay - 1);
      await world.reconcile();
      expect(world.runtime.started()).toHaveLength(before);
      await world.clock.advance(1);
      await world.reconcile();
      expect(world.runtime.started()).toHaveLength(before + 1);
    }
    expect(world.appLog.filter((l) => l === 'worker.1: Process exited with status 1')).toHaveLength(expected.length);
  });

  it('starts a fresh count for a new release', async () => {
    world = await healthWorld({ worker: 1 });
    await world.reconcile();
    await crash(world, 'worker.1'); // restarted at once
    expect(await crash(world, 'worker.1')).toBe(1000); // waiting
    await world.deploy();
    await world.reconcile();
    expect(world.runtime.running()).toEqual(['worker.1@v2']);
    const before = world.runtime.started().length;
    await crash(world, 'worker.1');
    expect(world.runtime.started()).toHaveLength(before + 1);
  });

  it('forgets the crashes of an instance that stayed up for 10 minutes, but not of a shorter run', async () => {
    world = await healthWorld({ worker: 1 });
    await world.reconcile();
    await crash(world, 'worker.1');
    await world.reconcile(); // up
    await world.clock.advance(5 * 60_000);
    expect(await crash(world, 'worker.1')).toBe(1000); // crash #2: 5 minutes was not long enough
    await world.clock.advance(1000);
    await world.reconcile();
    await world.reconcile(); // up
    await world.clock.advance(10 * 60_000);
    const before = world.runtime.started().length;
    await crash(world, 'worker.1');
    expect(world.runtime.started()).toHaveLength(before + 1);
  });

  it("counts a dyno's crash restarts for its metrics across releases and healthy runs, but not restart()", async () => {
    world = await healthWorld({ worker: 1 });
    await world.reconcile();
    await crash(world, 'worker.1');
    await world.reconcile(); // up again
    await world.clock.advance(10 * 60_000); // a long healthy run resets the backoff, not the count
    await crash(world, 'worker.1');
    await world.deploy();
    await world.reconcile();
    await world.reconciler.restart(world.app.id);
    await world.reconcile();
    await crash(world, 'worker.1');
    expect(world.reconciler.crashes.restartsOf(world.app.id, 'worker.1')).toBe(3);
    expect(world.reconciler.crashes.restartsOf(world.app.id, 'worker.2')).toBe(0);
  });

  it('logs the exit and the state change to the app log, as Heroku does', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    await crash(world, 'web.1');
    expect(world.appLog).toEqual(expect.arrayContaining([
      'web.1: Process exited with status 1',
      'web.1: State changed from up to crashed',
    ]));
  });

  it('does not count restart() as a crash', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    await crash(world, 'web.1'); // one crash on record: a second would wait 1 s
    expect(await world.reconciler.restart(world.app.id, 'web')).toBe(1);
    expect(await states(world)).not.toContain('web.1:crashed');
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(3);
    expect(world.appLog.filter((l) => l.startsWith('web.1: Process exited'))).toHaveLength(1);
  });
});

describe('Reconciler: boot timeout (R10)', () => {
  it('stops a web instance that never opens its port, logs R10 and restarts it with backoff', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 30_000 });
    await world.reconcile();
    await world.clock.advance(29_999);
    await world.reconcile();
    expect(world.runtime.stops).toEqual([]);
    await world.clock.advance(1);
    await world.reconcile();
    expect(world.appLog).toContain('web.1: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 30 seconds of launch');
    expect(world.runtime.stopped()).toEqual(['web.1@v1']);
    await flush();
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(2); // crash #1: at once

    await world.clock.advance(30_000);
    await world.reconcile(); // R10 again: crash #2
    await flush();
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(2);
    expect(await states(world)).toEqual(['web.1:crashed']);
    await world.clock.advance(1000);
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(3);
  });

  it('does not mistake a timed-out instance that is slow to stop for a booting one, and starts its replacement once it is gone', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 30_000 });
    world.runtime.stopTakesMs = 10_000; // ignores SIGTERM for a while
    await world.reconcile();
    await world.clock.advance(30_000);
    await world.reconcile();
    await world.reconcile();
    // Still holding its memory and maybe the port: the slot gets no second instance meanwhile.
    expect(world.runtime.started()).toHaveLength(1);
    await world.clock.advance(10_000);
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(2); // crash #1: as soon as the old one is gone
    expect(world.runtime.running()).toEqual(['web.1@v1']);
    await world.clock.advance(30_000); // the replacement never binds either
    await world.reconcile();
    expect(world.appLog.filter((l) => l.includes('Error R10'))).toHaveLength(2);
  });

  it('keeps the old release serving when the new release never binds its port', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 30_000 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    await world.deploy();
    await world.reconcile();
    await world.clock.advance(30_000);
    await world.reconcile();
    await world.clock.advance(5_000);
    expect(world.appLog).toContain('web.1: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 30 seconds of launch');
    expect(world.runtime.stopped()).toEqual(['web.1@v2']);
    expect(world.backends()).toEqual(['web.1@v1']);
  });
});

describe('Reconciler: dyno states during a release switch', () => {
  it('shows the new release crashed beside the old release that keeps serving', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    await world.deploy();
    await world.reconcile();
    expect(world.runtime.running()).toContain('web.1@v2');
    await crash(world, 'web.1'); // the newest web.1: restarted at once
    await crash(world, 'web.1'); // now waiting out the backoff
    const dynos = await world.reconciler.dynos(world.app.id);
    expect(dynos.map((d) => `${d.name}:v${d.releaseVersion}:${d.state}`).sort()).toEqual(['web.1:v1:up', 'web.1:v2:crashed']);
    expect(world.backends()).toEqual(['web.1@v1']);
  });
});

describe('Reconciler: H10', () => {
  it('marks the route crashed only when every web slot has crashed and none is serving', async () => {
    world = await healthWorld({ web: 2 });
    await world.reconcile();
    world.listen('web.1');
    world.listen('web.2');
    await world.reconcile();
    await crash(world, 'web.1');
    await crash(world, 'web.1'); // web.1 now waits out its backoff
    expect(world.routes.current.get('demo')).toMatchObject({ crashed: false });
    expect(world.backends()).toEqual(['web.2@v1']);
    await crash(world, 'web.2');
    await crash(world, 'web.2');
    expect(world.routes.current.get('demo')).toMatchObject({ crashed: true, backends: [] });
    expect(await states(world)).toEqual(['web.1:crashed', 'web.2:crashed']);

    await world.clock.advance(1000);
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    expect(world.routes.current.get('demo')).toMatchObject({ crashed: false });
    expect(world.backends()).toEqual(['web.1@v1']);
  });

  it('does not mark a freshly deployed app crashed while its web instances boot', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    expect(world.routes.current.get('demo')).toMatchObject({ crashed: false, backends: [] });
  });
});
