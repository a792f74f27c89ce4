// Releases that arrive while a slot is still booting: only an older instance that came up keeps
// serving; one that never came up is stopped at once, so no number of releases adds instances.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { Reconciler } from './reconciler.js';
import { flush } from '../platform/testing/fake-clock.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

const states = async (w: HealthWorld) => (await w.reconciler.dynos(w.app.id)).map((d) => `${d.name}@v${d.releaseVersion}:${d.state}`).sort();
const web1 = (w: HealthWorld) => w.runtime.running().filter((l) => l.startsWith('web.1@'));

/**
 * Reconciles a few times with time moving on, recording after each step what the runtime holds:
 * the most web.1 instances alive at once and the most shown as `starting` at once.
 */
async function settle(w: HealthWorld, peak: { alive: number; starting: number }, steps = 6, stepMs = 1000): Promise<void> {
  for (let n = 0; n < steps; n++) {
    await w.reconcile();
    peak.alive = Math.max(peak.alive, web1(w).length);
    peak.starting = Math.max(peak.starting, (await states(w)).filter((s) => s.endsWith(':starting')).length);
    await w.clock.advance(stepMs);
    peak.alive = Math.max(peak.alive, web1(w).length);
  }
}

describe('Reconciler: releases while web is not up yet', () => {
  it('four releases in a row while web never comes up leave one web.1, never more than one starting, the old ones stopped', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 60_000 });
    world.runtime.stopTakesMs = 2000; // an app that takes its time to exit after SIGTERM
    const peak = { alive: 0, starting: 0 };
    await settle(world, peak);
    for (let n = 2; n <= 4; n++) {
      await world.deploy();
      await settle(world, peak);
    }
    expect(world.runtime.running()).toEqual(['web.1@v4']);
    expect(world.runtime.stopped()).toEqual(['web.1@v1', 'web.1@v2', 'web.1@v3']);
    expect(peak.starting).toBe(1);
    expect(peak.alive).toBeLessThanOrEqual(2); // quantity + 1, stopping instances included
    expect(await states(world)).toEqual(['web.1@v4:starting']);
    expect(world.appLog.filter((l) => l.includes('crashed'))).toEqual([]); // stopping them is not a crash
  });

  it('a release made while web crash-restarts stops the superseded release\'s restarted instance', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 60_000 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    world.runtime.crash(world.runtime.find('web.1').id);
    await world.reconcile(); // crash #1: restarted at once, starting again
    expect(await states(world)).toEqual(['web.1@v1:starting']);

    await world.deploy();
    const peak = { alive: 0, starting: 0 };
    await settle(world, peak);
    expect(world.runtime.stopped()).toEqual(['web.1@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v2']);
    expect(peak.starting).toBe(1);

    // Long after: nothing of v1 came back, and the boot timeout still applies to v2.
    await settle(world, peak, 3, 30_000);
    expect(world.runtime.started().filter((l) => l === 'web.1@v1')).toHaveLength(2);
    expect(world.appLog.filter((l) => l.includes('Error R10'))).toHaveLength(1);
    expect(world.runtime.stopped()).toEqual(['web.1@v1', 'web.1@v2']);
  });

  it('an older release that is up keeps serving through several releases until a new one is up', async () => {
    world = await healthWorld({ web: 1 }, { bootTimeoutMs: 60_000 });
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    const peak = { alive: 0, starting: 0 };
    for (let n = 2; n <= 4; n++) {
      await world.deploy();
      await settle(world, peak);
      expect(world.backends()).toEqual(['web.1@v1']);
    }
    expect(world.runtime.stopped()).toEqual(['web.1@v2', 'web.1@v3']);
    expect(world.runtime.running()).toEqual(['web.1@v1', 'web.1@v4']);
    expect(peak.alive).toBeLessThanOrEqual(2);

    world.listen('web.1'); // v4 comes up
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v4']);
    await world.clock.advance(1000); // the drain
    expect(world.runtime.stopped()).toEqual(['web.1@v2', 'web.1@v3', 'web.1@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v4']);
  });

  it('after a server restart mid-rollout, an adopted older instance that answers keeps serving and one that never came up is stopped', async () => {
    world = await healthWorld({ web: 2 }, { bootTimeoutMs: 60_000 });
    await world.reconcile();
    world.listen('web.1'); // web.2 of v1 never comes up
    await world.reconcile();
    await world.deploy();

    // A fresh reconciler over the same store and runtime: what a restarted server has.
    const restarted = new Reconciler({
      store: world.store, runtime: world.runtime, routes: world.routes, clock: world.clock, logger: silentLogger,
      appLog: { write: (_a, _s, dyno, message) => void world.appLog.push(`${dyno}: ${message}`) },
      probe: async ({ host, port }) => world.listening.has(`${host}:${port}`), rollouts: world.rollouts,
    });
    await restarted.reconcile(world.app.id);
    await flush();
    await restarted.reconcile(world.app.id);
    expect(world.runtime.stopped()).toEqual(['web.2@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v1', 'web.1@v2', 'web.2@v2']);
    expect(world.backends()).toEqual(['web.1@v1']);
  });
});

describe('Reconciler: a slot holds at most two instances', () => {
  it('scaling down and up again quickly starts no new instance in a slot while the old one is still stopping', async () => {
    world = await healthWorld({ web: 3 });
    world.runtime.stopTakesMs = 5000; // ignores SIGTERM for a while
    await world.reconcile();
    for (const n of [1, 2, 3]) world.listen(`web.${n}`);
    await world.reconcile();
    let peak = 0;
    const step = async (fn: () => Promise<void>) => {
      await fn();
      peak = Math.max(peak, world.runtime.running().length);
    };
    for (let round = 0; round < 3; round++) {
      await step(() => world.scale('web', 1));
      await step(() => world.reconcile());
      await step(() => world.scale('web', 3));
      await step(() => world.reconcile());
      await step(() => world.clock.advance(1000));
      await step(() => world.reconcile());
    }
    // web.2 and web.3 are each either still stopping or replaced once gone: never both at once.
    expect(peak).toBe(3);
    await world.clock.advance(10_000);
    await world.reconcile();
    expect(world.runtime.running()).toEqual(['web.1@v1', 'web.2@v1', 'web.3@v1']);
  });
});
