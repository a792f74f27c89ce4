import { afterEach, describe, expect, it } from 'vitest';
import { flush } from '../platform/testing/fake-clock.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

/** Starts the formation and brings every web instance up. */
async function allUp(w: HealthWorld): Promise<void> {
  await w.reconcile();
  for (const name of w.runtime.running()) if (name.startsWith('web.')) w.listen(name.split('@')[0]!);
  await w.reconcile();
}

describe('Reconciler: the formation', () => {
  it('starts one instance per formation slot with the slug command and release config, never the release type', async () => {
    world = await healthWorld({ web: 2, worker: 1, release: 1 });
    await world.reconcile();
    expect(world.runtime.started().sort()).toEqual(['web.1@v1', 'web.2@v1', 'worker.1@v1']);
    const web1 = world.runtime.starts.find((s) => s.processType === 'web' && s.index === 1)!;
    expect(web1).toMatchObject({ command: 'node server.js', env: { A: '1' }, slug: '/slugs/demo', appName: 'demo' });
    expect(world.runtime.starts.find((s) => s.processType === 'worker')?.command).toBe('node worker.js');
  });

  it('changes nothing when reconciled again with nothing changed', async () => {
    world = await healthWorld({ web: 2, worker: 1 });
    await allUp(world);
    await world.reconcile();
    await world.clock.advance(10_000);
    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(3);
    expect(world.runtime.stops).toEqual([]);
    expect(world.backends()).toEqual(['web.1@v1', 'web.2@v1']);
  });

  it('scales down by taking the highest-numbered instances out of the routes, then stopping them after the drain', async () => {
    world = await healthWorld({ web: 3, worker: 2 });
    await allUp(world);
    expect(world.backends()).toEqual(['web.1@v1', 'web.2@v1', 'web.3@v1']);

    await world.scale('web', 1);
    await world.scale('worker', 1);
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(world.runtime.stopped()).toEqual(['worker.2@v1']); // nothing to drain for a worker
    await world.clock.advance(1000);
    expect(world.runtime.stopped().sort()).toEqual(['web.2@v1', 'web.3@v1', 'worker.2@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v1', 'worker.1@v1']);

    await world.reconcile();
    expect(world.runtime.started()).toHaveLength(5);
  });

  it('scales up by starting only the new slots', async () => {
    world = await healthWorld({ web: 1 });
    await allUp(world);
    await world.scale('web', 3);
    await world.reconcile();
    expect(world.runtime.started()).toEqual(['web.1@v1', 'web.2@v1', 'web.3@v1']);
    expect(world.backends()).toEqual(['web.1@v1']);
  });
});

describe('Reconciler: up', () => {
  it('publishes a web instance only once the probe finds its port open; a worker is up as soon as it runs', async () => {
    world = await healthWorld({ web: 1, worker: 1 });
    await world.reconcile();
    await world.reconcile();
    expect(world.backends()).toEqual([]);
    expect((await world.reconciler.dynos(world.app.id)).map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:starting', 'worker.1:up']);

    world.listen('web.1');
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(world.routes.current.get('demo')).toMatchObject({ crashed: false, maintenance: false });
    expect((await world.reconciler.dynos(world.app.id)).map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up', 'worker.1:up']);
    expect(world.appLog).toContain('web.1: State changed from starting to up');
  });

  it('asks to be woken again while an instance is still booting, and not once everything is up', async () => {
    world = await healthWorld({ web: 1 });
    expect((await world.reconciler.reconcile(world.app.id)).wakeInMs).toBeGreaterThan(0);
    world.listen('web.1');
    expect((await world.reconciler.reconcile(world.app.id)).wakeInMs).toBeUndefined();
  });
});

describe('Reconciler: a new release', () => {
  it('keeps the old web instance serving until the new one is up, then moves the route and stops the old one after the drain', async () => {
    world = await healthWorld({ web: 1 });
    await allUp(world);
    await world.deploy();

    await world.reconcile();
    expect(world.runtime.running()).toEqual(['web.1@v1', 'web.1@v2']);
    expect(world.backends()).toEqual(['web.1@v1']);
    await world.clock.advance(5000);
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(world.runtime.stops).toEqual([]);

    world.listen('web.1'); // the v2 instance
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v2']);
    await world.clock.advance(999);
    expect(world.runtime.stops).toEqual([]); // in-flight requests to v1 still finishing
    await world.clock.advance(1);
    expect(world.runtime.stopped()).toEqual(['web.1@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v2']);
  });

  it('replaces workers too, and does not count the old instances stopping as crashes', async () => {
    world = await healthWorld({ worker: 2 });
    await world.reconcile();
    await world.deploy();
    await world.reconcile();
    await world.reconcile();
    await flush();
    expect(world.runtime.running()).toEqual(['worker.1@v2', 'worker.2@v2']);
    await world.reconcile();
    expect(world.appLog.filter((l) => l.includes('crashed'))).toEqual([]);
    expect(world.runtime.started()).toHaveLength(4);
  });
});

describe('Reconciler: app lifecycle', () => {
  it('stops every instance and removes the route when the app is destroyed', async () => {
    world = await healthWorld({ web: 2, worker: 1 });
    await allUp(world);
    await world.store.apps.delete(world.app.id);
    await world.reconcile();
    await flush();
    expect(world.routes.removed).toEqual(['demo']);
    expect(world.routes.current.size).toBe(0);
    expect(world.runtime.running()).toEqual([]);
    expect(await world.runtime.list()).toEqual([]);
  });

  it('moves the route when the app is renamed', async () => {
    world = await healthWorld({ web: 1 });
    await allUp(world);
    await world.store.apps.update(world.app.id, { name: 'renamed' });
    await world.reconcile();
    expect(world.routes.removed).toEqual(['demo']);
    expect(world.routes.current.get('renamed')?.backends).toHaveLength(1);
  });
});
