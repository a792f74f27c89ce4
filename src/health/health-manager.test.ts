import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { silentLogger } from '../platform/logger.js';
import { PlatformEvents } from '../services/platform-events.js';
import { HealthManager } from './health-manager.js';
import type { ReconcileResult } from './reconciler.js';
import { healthWorld, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
let controller: AbortController;
let manager: HealthManager;

afterEach(async () => {
  controller?.abort();
  await manager?.whenIdle();
  await world?.cleanup();
});

/** A HealthManager over the test world, its reconciles counted; real timers, tiny delays. */
async function startManager(logger: Logger = silentLogger) {
  const events = new PlatformEvents();
  const reconcile = vi.spyOn(world.reconciler, 'reconcile');
  manager = new HealthManager({
    store: world.store, runtime: world.runtime, events, reconciler: world.reconciler, clock: systemClock, logger,
    resyncMs: 60_000, retryMs: 5,
  });
  controller = new AbortController();
  await manager.start(controller.signal);
  await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(1)); // the look at every app on start
  await manager.whenIdle();
  return { events, reconcile };
}

/** Lets already-due timers run, so that "nothing more happened" is a meaningful check. */
const settle = () => new Promise((r) => setTimeout(r, 30));

describe('HealthManager', () => {
  it('reconciles an app when an app-changed event arrives', async () => {
    world = await healthWorld({});
    const { events } = await startManager();
    expect(world.runtime.running()).toEqual([]);
    await world.scale('worker', 1);
    events.emit({ type: 'app-changed', appId: world.app.id, reason: 'scale' });
    await vi.waitFor(() => expect(world.runtime.running()).toEqual(['worker.1@v1']));
  });

  it('reconciles an app when one of its instances exits, restarting it', async () => {
    world = await healthWorld({ worker: 1 });
    await startManager();
    // Up, and no follow-up look scheduled: only the exit can bring the manager back.
    await vi.waitFor(async () => expect((await world.reconciler.dynos(world.app.id)).map((d) => d.state)).toEqual(['up']));
    await manager.whenIdle();
    world.runtime.crash(world.runtime.find('worker.1').id);
    await vi.waitFor(() => expect(world.runtime.started()).toHaveLength(2));
    expect(world.runtime.running()).toEqual(['worker.1@v1']);
  });

  it('retries a reconcile that throws, logs it, and keeps serving later wake-ups', async () => {
    world = await healthWorld({});
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => void errors.push(event) };
    const { events, reconcile } = await startManager(logger);
    reconcile.mockRejectedValueOnce(new Error('database is locked'));
    events.emit({ type: 'app-changed', appId: world.app.id, reason: 'test' });
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(3)); // start, the failure, the retry
    expect(errors).toEqual(['reconcile-failed']);

    await world.scale('worker', 1);
    events.emit({ type: 'app-changed', appId: world.app.id, reason: 'scale' });
    await vi.waitFor(() => expect(world.runtime.running()).toEqual(['worker.1@v1']));
  });

  it('runs an app once more, not concurrently, when woken twice during a reconcile', async () => {
    world = await healthWorld({});
    const { events, reconcile } = await startManager();
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
    const wakeUp = () => events.emit({ type: 'app-changed', appId: world.app.id, reason: 'test' });

    wakeUp();
    await vi.waitFor(() => expect(active).toBe(1));
    wakeUp();
    await settle();
    wakeUp();
    await settle();
    expect(reconcile).toHaveBeenCalledTimes(2); // the start-up look, then the one held at the gate
    release();
    await vi.waitFor(() => expect(reconcile).toHaveBeenCalledTimes(3));
    await settle();
    await manager.whenIdle();
    expect(reconcile).toHaveBeenCalledTimes(3);
    expect(maxActive).toBe(1);
  });

  it('stops waking apps once its signal aborts', async () => {
    world = await healthWorld({});
    const { events, reconcile } = await startManager();
    controller.abort();
    events.emit({ type: 'app-changed', appId: world.app.id, reason: 'test' });
    await settle();
    expect(reconcile).toHaveBeenCalledTimes(1);
  });

  it('is synced (routes complete) only once every app has been reconciled once, a failed attempt included', async () => {
    world = await healthWorld({ worker: 1 });
    const events = new PlatformEvents();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const reconcile = vi.spyOn(world.reconciler, 'reconcile').mockImplementation(async (): Promise<ReconcileResult> => {
      await gate;
      throw new Error('runtime unreachable');
    });
    manager = new HealthManager({ store: world.store, runtime: world.runtime, events, reconciler: world.reconciler, clock: systemClock, logger: silentLogger, resyncMs: 60_000, retryMs: 60_000 });
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
