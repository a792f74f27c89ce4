// The reconciler is the one owner of dyno states: each change it decides is announced as a typed
// `dyno-changed` event (what app webhooks send), never worked out again from log lines.
import { afterEach, describe, expect, it } from 'vitest';
import type { DynoChange } from '../services/platform-events.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

const dynoChanges = (w: HealthWorld): Pick<DynoChange, 'name' | 'state' | 'previousState' | 'reason' | 'exitStatus'>[] =>
  w.emitted.flatMap((e) => (e.type === 'dyno-changed' ? [{ name: e.dyno.name, state: e.dyno.state, previousState: e.dyno.previousState, reason: e.dyno.reason, exitStatus: e.dyno.exitStatus }] : []));

describe('Reconciler: dyno-changed events', () => {
  it('announces starting, up, and a crash with its exit status', async () => {
    world = await healthWorld({ web: 1 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    world.runtime.crash(world.runtime.find('web.1').id, 3);
    await world.reconcile();
    expect(dynoChanges(world).slice(0, 3)).toEqual([
      { name: 'web.1', state: 'starting', previousState: null, reason: null, exitStatus: null },
      { name: 'web.1', state: 'up', previousState: 'starting', reason: null, exitStatus: null },
      { name: 'web.1', state: 'crashed', previousState: 'up', reason: 'exited', exitStatus: 3 },
    ]);
  });

  it('announces an R10 boot timeout as a crash whose reason says so', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 30_000 });
    await world.reconcile();
    await world.clock.advance(30_000);
    await world.reconcile();
    expect(dynoChanges(world)).toContainEqual({ name: 'web.1', state: 'crashed', previousState: 'starting', reason: 'boot-timeout', exitStatus: null });
  });

  it('announces an instance replaced by a new release as down, not crashed', async () => {
    world = await healthWorld({ worker: 1 });
    await world.reconcile();
    await world.reconcile(); // up
    await world.deploy();
    await world.reconcile();
    await world.reconcile();
    expect(dynoChanges(world).filter((c) => c.state === 'down')).toEqual([{ name: 'worker.1', state: 'down', previousState: 'up', reason: 'stopped', exitStatus: null }]);
    expect(dynoChanges(world).filter((c) => c.state === 'crashed')).toEqual([]);
  });
});
