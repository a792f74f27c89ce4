// Moving instances between nodes: the fleet balancer decides which instances should move (those on a
// draining node; one at a time from the most loaded node when a type is spread unevenly), the
// reconciler replaces each one start-new-before-stop-old, one slot of a type at a time, and the
// route never loses a slot on the way. Fake fleet, fake runtime with a spreading placement, FakeClock.
import { afterEach, describe, expect, it } from 'vitest';
import { BerthError } from '../domain/errors.js';
import { silentLogger } from '../platform/logger.js';
import type { Instance } from '../runtime/runtime.js';
import { FleetBalancer } from './fleet-balancer.js';
import { FakeFleet } from './testing/fake-fleet.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

interface FleetWorld {
  world: HealthWorld;
  fleet: FakeFleet;
  balancer: FleetBalancer;
  /** App ids the balancer woke the health manager for. */
  woken: string[];
}

let world: HealthWorld | undefined;
afterEach(async () => world?.cleanup());

async function fleetWorld(formation: Record<string, number>, nodes: string[]): Promise<FleetWorld> {
  let balancer: FleetBalancer | undefined;
  const w = await healthWorld(formation, { drainMs: 0, moves: { moveOf: (id) => balancer?.moveOf(id) } });
  world = w;
  const fleet = new FakeFleet(() => w.runtime.list(), nodes);
  w.runtime.placement = fleet.placement;
  const woken: string[] = [];
  balancer = new FleetBalancer({ fleet, runtime: w.runtime, wake: (id) => void woken.push(id), clock: w.clock, logger: silentLogger });
  return { world: w, fleet, balancer, woken };
}

const runningOf = async (w: HealthWorld, type?: string): Promise<Instance[]> =>
  (await w.runtime.list({ appId: w.app.id })).filter((i) => i.status === 'running' && (!type || i.processType === type));

/** How many instances of the type run on each node, as `n1:2 n2:1 n3:1`. */
async function spread(w: HealthWorld, nodes: string[], type = 'web'): Promise<string> {
  const running = await runningOf(w, type);
  return nodes.map((n) => `${n}:${running.filter((i) => i.node?.name === n).length}`).join(' ');
}

const addressOf = (i: Instance) => `${i.address!.host}:${i.address!.port}`;

/** Every web instance not yet accepting connections starts to; returns their dyno names. */
async function bootAll(w: HealthWorld): Promise<string[]> {
  const booting = (await runningOf(w, 'web')).filter((i) => !w.listening.has(addressOf(i)));
  for (const i of booting) w.listening.add(addressOf(i));
  return booting.map((i) => i.name);
}

/** Routed dyno names, sorted; each must point at a running instance. */
async function routed(w: HealthWorld): Promise<string[]> {
  const running = new Set((await runningOf(w)).map((i) => i.id));
  const backends = w.routes.current.get(w.app.name)?.backends ?? [];
  for (const b of backends) expect(running.has(b.instanceId), `${b.dyno} is routed but not running`).toBe(true);
  return backends.map((b) => b.dyno).sort();
}

/** Brings the formation up (every web instance listening) and live. */
async function upAndLive(w: HealthWorld): Promise<void> {
  await w.reconcile();
  await bootAll(w);
  await w.reconcile();
  expect(await w.rollout()).toBe('live');
}

const webSlots = (n: number) => Array.from({ length: n }, (_, k) => `web.${k + 1}`).sort();
const moveLines = (w: HealthWorld) => w.appLog.filter((l) => l.includes('Moving '));

describe('FleetBalancer + Reconciler: a draining node', () => {
  it("replaces the node's instances one at a time, each old one stopped only once its replacement is up and routed, then finishes the drain", async () => {
    const f = await fleetWorld({ web: 4 }, ['n1', 'n2', 'n3']);
    const w = f.world;
    await upAndLive(w);
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:2 n2:1 n3:1');
    await f.fleet.drain('n1');

    const order: string[] = [];
    let mostBooting = 0;
    for (let step = 0; step < 40 && !f.fleet.finishedDrains.length; step++) {
      await f.balancer.pass();
      await w.reconcile();
      // Every slot has a serving instance at every step: the old one until its replacement is up.
      expect(await routed(w)).toEqual(webSlots(4));
      const booted = await bootAll(w);
      mostBooting = Math.max(mostBooting, booted.length);
      order.push(...booted);
      await w.clock.advance(200);
    }
    expect(mostBooting).toBe(1);
    expect(order).toEqual(['web.1', 'web.4']);
    expect(f.fleet.finishedDrains).toEqual(['id-n1']);
    expect((await f.fleet.nodes()).find((n) => n.name === 'n1')?.availability).toBe('drain');
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:0 n2:2 n3:2');
    expect(await routed(w)).toEqual(webSlots(4));
    expect(moveLines(w)).toEqual([
      'web.1: Moving web.1 from n1 to another node (n1 is draining)',
      'web.4: Moving web.4 from n1 to another node (n1 is draining)',
    ]);
    expect(f.woken).toContain(w.app.id);
    // A move is not a crash, and not a release: no crash line, no new release, the rollout untouched.
    expect(w.appLog.filter((l) => l.includes('crashed') || l.includes('Restarting to change size'))).toEqual([]);
    expect((await w.store.releases.list(w.app.id)).length).toBe(1);
    expect(w.emitted.filter((e) => e.type === 'rollout-changed')).toHaveLength(1);
    expect(w.runtime.starts).toHaveLength(6);
  });

  it('takes the marks back from a node activated again before its moves started', async () => {
    const f = await fleetWorld({ web: 2 }, ['n1', 'n2']);
    const w = f.world;
    await upAndLive(w);
    await f.fleet.drain('n1');
    await f.balancer.pass();
    expect(f.balancer.moveOf(w.runtime.find('web.1').id)?.reason).toBe('draining');
    await f.fleet.activate('n1');
    await f.balancer.pass();
    expect(f.balancer.moveOf(w.runtime.find('web.1').id)).toBeUndefined();
    await w.reconcile();
    expect(w.runtime.starts).toHaveLength(2);
    expect(f.fleet.finishedDrains).toEqual([]);
  });
});

describe('FleetBalancer + Reconciler: rebalancing', () => {
  it('after a node joins, moves one instance of 4 on 2 nodes to it (2/1/1) and then stops moving', async () => {
    const f = await fleetWorld({ web: 4 }, ['n1', 'n2']);
    const w = f.world;
    await upAndLive(w);
    expect(await spread(w, ['n1', 'n2'])).toBe('n1:2 n2:2');
    f.fleet.join('n3');

    for (let step = 0; step < 30; step++) {
      await f.balancer.pass();
      await w.reconcile();
      expect(await routed(w)).toEqual(webSlots(4));
      await bootAll(w);
      await w.clock.advance(200);
    }
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:2 n2:1 n3:1');
    expect(w.runtime.starts).toHaveLength(5);
    expect(w.runtime.stops).toHaveLength(1);
    expect(moveLines(w)).toEqual(['web.4: Moving web.4 from n2 to another node (rebalancing)']);
    expect(w.appLog.filter((l) => l.includes('crashed'))).toEqual([]);
  });

  it('moves nothing while every type is spread evenly (most − fewest ≤ 1)', async () => {
    const f = await fleetWorld({ web: 4, worker: 2 }, ['n1', 'n2', 'n3']);
    const w = f.world;
    await upAndLive(w);
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:2 n2:1 n3:1');
    for (let step = 0; step < 10; step++) {
      await f.balancer.pass();
      await w.reconcile();
      await w.clock.advance(1000);
    }
    expect(w.runtime.starts).toHaveLength(6);
    expect(w.runtime.stops).toEqual([]);
    expect(f.woken).toEqual([]);
  });

  it('moves one instance of a type at a time, the next only once that move is done; another type moves meanwhile', async () => {
    const f = await fleetWorld({ web: 6, worker: 4 }, ['n1', 'n2']);
    const w = f.world;
    await upAndLive(w);
    expect(await spread(w, ['n1', 'n2'])).toBe('n1:3 n2:3');
    expect(await spread(w, ['n1', 'n2'], 'worker')).toBe('n1:2 n2:2');
    f.fleet.join('n3');

    const marked = async (type: string) => (await runningOf(w, type)).filter((i) => f.balancer.moveOf(i.id)).map((i) => i.name);
    await f.balancer.pass();
    expect(await marked('web')).toHaveLength(1);
    expect(await marked('worker')).toHaveLength(1);
    const firstWeb = await marked('web');

    // The web replacement boots for a while: no second web instance is marked or started meanwhile.
    for (let step = 0; step < 5; step++) {
      await w.reconcile();
      await f.balancer.pass();
      expect(await marked('web')).toEqual(firstWeb);
      expect((await runningOf(w, 'web')).length).toBe(7);
      await w.clock.advance(200);
    }
    for (let step = 0; step < 30; step++) {
      await f.balancer.pass();
      await w.reconcile();
      expect(await routed(w)).toEqual(webSlots(6));
      await bootAll(w);
      await w.clock.advance(200);
    }
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:2 n2:2 n3:2');
    expect(await spread(w, ['n1', 'n2', 'n3'], 'worker')).toMatch(/^(n1:2 n2:1|n1:1 n2:2) n3:1$/);
    expect(w.runtime.starts.filter((s) => s.processType === 'web')).toHaveLength(8);
    expect(w.runtime.starts.filter((s) => s.processType === 'worker')).toHaveLength(5);
  });

  it('stops rebalancing a type when a move did not even it out (placement puts it back), until the nodes change', async () => {
    const f = await fleetWorld({ web: 3 }, ['n1', 'n2']);
    const w = f.world;
    // A placement that can only use n1 (say n2 has no room for the size).
    w.runtime.placement = () => ({ id: 'id-n1', name: 'n1' });
    await upAndLive(w);
    for (let step = 0; step < 20; step++) {
      await f.balancer.pass();
      await w.reconcile();
      await bootAll(w);
      await w.clock.advance(200);
    }
    expect(w.runtime.starts).toHaveLength(4); // one move tried, then no more
    expect(await spread(w, ['n1', 'n2'])).toBe('n1:3 n2:0');

    f.fleet.join('n3');
    w.runtime.placement = f.fleet.placement;
    for (let step = 0; step < 30; step++) {
      await f.balancer.pass();
      await w.reconcile();
      await bootAll(w);
      await w.clock.advance(200);
    }
    expect(await spread(w, ['n1', 'n2', 'n3'])).toBe('n1:1 n2:1 n3:1');
  });
});

describe('FleetBalancer: its own loop', () => {
  it('polls on the clock, plans at once when woken, and finishes the drain of an empty draining node', async () => {
    const f = await fleetWorld({}, ['n1', 'n2', 'n3']);
    const abort = new AbortController();
    const loop = f.balancer.start(abort.signal);
    await f.fleet.drain('n2');
    await f.world.clock.advance(3000);
    expect(f.fleet.finishedDrains).toEqual(['id-n2']);

    await f.fleet.drain('n3');
    f.balancer.wake();
    await f.world.clock.advance(0);
    expect(f.fleet.finishedDrains).toEqual(['id-n2', 'id-n3']);
    abort.abort();
    await loop;
  });

  it('never throws: a fleet that does not answer, or a drain that fails to finish, is tried again at the next pass', async () => {
    const f = await fleetWorld({ web: 2 }, ['n1', 'n2']);
    const w = f.world;
    await upAndLive(w);
    await f.fleet.drain('n1');
    await f.balancer.pass();
    const web1 = w.runtime.find('web.1').id;
    expect(f.balancer.moveOf(web1)?.reason).toBe('draining');

    // The manager does not answer: the pass fails quietly and what was planned stands.
    f.fleet.nodesFailure = new Error('manager unreachable');
    await expect(f.balancer.pass()).resolves.toBeUndefined();
    expect(f.balancer.moveOf(web1)?.reason).toBe('draining');
    f.fleet.nodesFailure = undefined;

    // The first finishDrain, once n1 is empty, fails.
    f.fleet.finishDrainFailure = new Error('update out of sequence');
    for (let step = 0; step < 20 && (await runningOf(w)).some((i) => i.node?.name === 'n1'); step++) {
      await w.reconcile();
      await bootAll(w);
      await w.clock.advance(200);
      await f.balancer.pass();
    }
    expect(await spread(w, ['n1', 'n2'])).toBe('n1:0 n2:2');
    expect(f.fleet.finishDrainFailure).toBeUndefined(); // it was tried
    expect(f.fleet.finishedDrains).toEqual([]);
    await f.balancer.pass();
    expect(f.fleet.finishedDrains).toEqual(['id-n1']);
  });

  it('tries a start that fitted nowhere again once a node joins (the nodes changed), not before', async () => {
    const f = await fleetWorld({ web: 1, worker: 1 }, ['n1']);
    const w = f.world;
    let changes = 0;
    const balancer = new FleetBalancer({
      fleet: f.fleet, runtime: w.runtime, wake: () => undefined, clock: w.clock, logger: silentLogger,
      nodesChanged: () => { changes++; for (const appId of w.reconciler.nodesChanged()) f.woken.push(appId); },
    });
    w.runtime.startFailures.set('worker', new BerthError('start_refused', 'worker.1 needs 1 CPU and 512 MB; no node has that free'));
    await w.reconcile();
    await bootAll(w);
    await w.reconcile();
    expect(await w.rollout()).toMatch(/^failed: worker could not start/);
    const workerStarts = () => w.runtime.starts.filter((s) => s.processType === 'worker').length;
    await balancer.pass();
    await balancer.pass();
    for (let n = 0; n < 3; n++) { await w.reconcile(); await w.clock.advance(60_000); }
    expect(changes).toBe(0);
    expect(workerStarts()).toBe(1);

    w.runtime.startFailures.delete('worker');
    f.fleet.join('n2');
    await balancer.pass();
    expect(changes).toBe(1);
    expect(f.woken).toEqual([w.app.id]);
    await w.reconcile();
    expect(workerStarts()).toBe(2);
    expect((await runningOf(w, 'worker')).map((i) => i.name)).toEqual(['worker.1']);
  });
});
