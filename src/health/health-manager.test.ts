// The reconcile loop on fake time: every wake-up, resync and retry comes from the FakeClock, so
// "nothing happened for five minutes" is a check that takes no time and cannot be flaky.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BerthError } from '../domain/errors.js';
import { noMetrics, type MetricsRecorder, type PlatformMeasurement } from '../domain/metric-samples.js';
import type { Logger } from '../platform/logger.js';
import { silentLogger } from '../platform/logger.js';
import { HealthManager } from './health-manager.js';
import { Reconciler, type ReconcileResult } from './reconciler.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
let controller: AbortController;
let manager: HealthManager;

afterEach(async () => {
  controller?.abort();
  await manager?.whenIdle();
  await world?.cleanup();
});

/** A HealthManager over the test world on its fake clock, its reconciles counted. */
async function startManager(logger: Logger = silentLogger, resyncMs = 60_000, metrics?: MetricsRecorder) {
  const reconcile = vi.spyOn(world.reconciler, 'reconcile');
  manager = new HealthManager({
    store: world.store, runtime: world.runtime, events: world.events, reconciler: world.reconciler, clock: world.clock, logger, resyncMs, metrics,
  });
  controller = new AbortController();
  await manager.start(controller.signal);
  await manager.synced(); // the look at every app on start
  expect(reconcile).toHaveBeenCalledTimes(1);
  return { reconcile };
}

/** Lets what is due now run (no time passes). */
const settle = () => world.clock.advance(0);
const wakeUp = () => world.events.emit({ type: 'app-changed', appId: world.app.id, reason: 'test' });

describe('HealthManager', () => {
  it('reconciles an app when an app-changed event arrives', async () => {
    world = await healthWorld({});
    await startManager();
    expect(world.runtime.running()).toEqual([]);
    await world.scale('worker', 1);
    wakeUp();
    await settle();
    expect(world.runtime.running()).toEqual(['worker.1@v1']);
  });

  it('reconciles an app when one of its instances exits, restarting it', async () => {
    world = await healthWorld({ worker: 1 });
    await startManager();
    await world.clock.advance(200); // the follow-up look that sees the worker up
    expect((await world.reconciler.dynos(world.app.id)).map((d) => d.state)).toEqual(['up']);
    world.runtime.crash(world.runtime.find('worker.1').id);
    await settle();
    expect(world.runtime.started()).toEqual(['worker.1@v1', 'worker.1@v1']);
    expect(world.runtime.running()).toEqual(['worker.1@v1']);
  });

  it('looks at every app again each resync period without any event', async () => {
    world = await healthWorld({});
    const { reconcile } = await startManager(silentLogger, 5000);
    await world.clock.advance(4999);
    expect(reconcile).toHaveBeenCalledTimes(1);
    await world.clock.advance(1);
    expect(reconcile).toHaveBeenCalledTimes(2);
    await world.clock.advance(10_000);
    expect(reconcile).toHaveBeenCalledTimes(4);
  });

  it('retries a reconcile that throws after 1 s, then 2 s, 4 s …, logs it, and starts afresh after a success', async () => {
    world = await healthWorld({});
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => void errors.push(event) };
    const { reconcile } = await startManager(logger);
    const t0 = world.clock.now();
    const at: number[] = [];
    let failing = true;
    reconcile.mockImplementation(async (appId) => {
      at.push(world.clock.now() - t0);
      if (failing) throw new Error('database is locked');
      return Reconciler.prototype.reconcile.call(world.reconciler, appId);
    });
    wakeUp();
    await world.clock.advance(20_000);
    expect(at).toEqual([0, 1000, 3000, 7000, 15_000]);
    expect(errors).toEqual(Array(5).fill('reconcile-failed'));

    failing = false;
    await world.clock.advance(16_000); // the sixth try, 16 s after the fifth, succeeds
    expect(at).toHaveLength(6);
    await world.scale('worker', 1);
    failing = true;
    wakeUp();
    await settle();
    failing = false;
    await world.clock.advance(999);
    expect(world.runtime.running()).toEqual([]);
    await world.clock.advance(1); // 1 s again: the success reset the backoff
    expect(world.runtime.running()).toEqual(['worker.1@v1']);
  });

  it('reports each reconcile pass that throws as a reconcile error of its app, and none for a pass that succeeds', async () => {
    world = await healthWorld({});
    const measured: PlatformMeasurement[] = [];
    const { reconcile } = await startManager(silentLogger, 60_000, { ...noMetrics, platform: (p) => void measured.push(p) });
    let failing = true;
    reconcile.mockImplementation(async (appId) => {
      if (failing) throw new Error('database is locked');
      return Reconciler.prototype.reconcile.call(world.reconciler, appId);
    });
    wakeUp();
    await world.clock.advance(1500); // the pass at once and the retry 1 s later
    failing = false;
    await world.clock.advance(2000); // the third, 2 s later, succeeds
    expect(reconcile).toHaveBeenCalledTimes(4); // the start's pass too
    expect(measured).toEqual([
      { kind: 'reconcile-error', appId: world.app.id, at: expect.any(Number) },
      { kind: 'reconcile-error', appId: world.app.id, at: expect.any(Number) },
    ]);
  });

  it('runs an app once more, not concurrently, when woken twice during a reconcile', async () => {
    world = await healthWorld({});
    const { reconcile } = await startManager();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let active = 0;
    let maxActive = 0;
    reconcile.mockImplementation(async (): Promise<ReconcileResult> => {
      active++;
      maxActive = Math.max(maxActive, active);
      await gate;
      active--;
      return {};
    });

    wakeUp();
    await settle();
    expect(active).toBe(1);
    wakeUp();
    await settle();
    wakeUp();
    await settle();
    expect(reconcile).toHaveBeenCalledTimes(2); // the start-up look, then the one held at the gate
    release();
    await settle();
    await manager.whenIdle();
    expect(reconcile).toHaveBeenCalledTimes(3);
    expect(maxActive).toBe(1);
  });

  it('a process type that cannot start does not make the loop spin: web v2 takes the traffic and the rollout says why', async () => {
    world = await healthWorld({ web: 1, worker: 1 });
    const { reconcile } = await startManager();
    world.listen('web.1');
    await world.clock.advance(1000);
    expect(await world.rollout()).toBe('live');

    world.runtime.startFailures.set('worker', new BerthError('start_refused', 'bash: node: command not found'));
    const v2 = await world.deploy();
    wakeUp();
    await settle();
    world.listen('web.1');
    await world.clock.advance(1000);
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(await world.rollout(v2.id)).toBe('failed: worker could not start: bash: node: command not found');

    const passes = reconcile.mock.calls.length;
    await world.clock.advance(5 * 60_000);
    // Only the resync (every 60 s here) looks at the app; the refused start is not tried again.
    expect(reconcile.mock.calls.length - passes).toBeLessThanOrEqual(6);
    expect(world.runtime.starts.filter((s) => s.processType === 'worker' && s.releaseVersion === 2)).toHaveLength(1);
  });

  it('stops waking apps once its signal aborts', async () => {
    world = await healthWorld({});
    const { reconcile } = await startManager(silentLogger, 5000);
    controller.abort();
    wakeUp();
    await world.clock.advance(60_000);
    expect(reconcile).toHaveBeenCalledTimes(1);
  });

  it('is synced at once when there is no app', async () => {
    world = await healthWorld({});
    await world.store.apps.delete(world.app.id);
    manager = new HealthManager({ store: world.store, runtime: world.runtime, events: world.events, reconciler: world.reconciler, clock: world.clock, logger: silentLogger });
    controller = new AbortController();
    await manager.start(controller.signal);
    await expect(manager.synced()).resolves.toBeUndefined();
  });

  it('is synced (routes complete) only once every app has been reconciled once, a failed attempt included', async () => {
    world = await healthWorld({ worker: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const reconcile = vi.spyOn(world.reconciler, 'reconcile').mockImplementation(async (): Promise<ReconcileResult> => {
      await gate;
      throw new Error('runtime unreachable');
    });
    manager = new HealthManager({ store: world.store, runtime: world.runtime, events: world.events, reconciler: world.reconciler, clock: world.clock, logger: silentLogger, resyncMs: 60_000 });
    controller = new AbortController();
    let synced = false;
    void manager.synced().then(() => { synced = true; });
    await manager.start(controller.signal);
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(1));
    await settle();
    expect(synced).toBe(false); // the app's first reconcile is still running
    release();
    await vi.waitFor(() => expect(synced).toBe(true));
  });
});
