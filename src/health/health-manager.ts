// The reconcile loop: a work queue of app ids. Platform events, instance exits, timers and a
// periodic resync only wake an app up; the Reconciler does the work. One reconcile per app at a
// time; a wake-up that arrives mid-run makes the app run again right after.
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { DynoDirectory, DynoView } from '../services/dyno-directory.js';
import type { PlatformEvents } from '../services/platform-events.js';
import type { Store } from '../store/store.js';
import type { Reconciler } from './reconciler.js';

export interface HealthManagerDeps {
  store: Store;
  runtime: Runtime;
  events: PlatformEvents;
  reconciler: Pick<Reconciler, 'reconcile' | 'dynos' | 'restart'>;
  clock: Clock;
  logger: Logger;
  /** Every app is looked at this often even without events. Default 5 s. */
  resyncMs?: number;
  /** After an unexpected error, when to try the app again. Default 2 s. */
  retryMs?: number;
}

export class HealthManager implements DynoDirectory {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly idleWaiters = new Set<() => void>();
  private stopped = false;
  /** Apps of the first resync still to be reconciled once; undefined until that resync listed them. */
  private firstPass: Set<string> | undefined;
  private markSynced!: () => void;
  private readonly syncedOnce = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(private readonly deps: HealthManagerDeps) {}

  /**
   * Resolves once every app known at start has been reconciled once (adopted instances probed and
   * their routes published). Until then the published routes are incomplete, so a router must not
   * take them as the truth.
   */
  synced(): Promise<void> {
    return this.syncedOnce;
  }

  private firstPassDone(appId?: string): void {
    if (!this.firstPass) return;
    if (appId !== undefined) this.firstPass.delete(appId);
    if (this.firstPass.size === 0) this.markSynced();
  }

  async start(signal: AbortSignal): Promise<void> {
    const offEvents = this.deps.events.on((e) => this.wake(e.appId));
    const offExit = this.deps.runtime.onExit((i) => this.wake(i.appId));
    const resync = setInterval(() => void this.wakeAll(), this.deps.resyncMs ?? 5000);
    resync.unref();
    signal.addEventListener('abort', () => {
      this.stopped = true;
      offEvents();
      offExit();
      clearInterval(resync);
      for (const { timer } of this.timers.values()) clearTimeout(timer);
      this.timers.clear();
    }, { once: true });
    await this.wakeAll();
  }

  /** Looks at the app after `delayMs` (default now); an earlier pending wake-up wins. */
  wake(appId: string, delayMs = 0): void {
    if (this.stopped) return;
    const at = this.deps.clock.now() + delayMs;
    const pending = this.timers.get(appId);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(appId);
      void this.run(appId);
    }, delayMs);
    timer.unref();
    this.timers.set(appId, { at, timer });
  }

  private async wakeAll(): Promise<void> {
    try {
      const apps = await this.deps.store.apps.list();
      const known = new Set(apps.map((a) => a.id));
      if (!this.firstPass) {
        this.firstPass = new Set(known);
        this.firstPassDone();
      }
      for (const a of apps) this.wake(a.id);
      // Instances of apps that no longer exist (destroyed while Berth was down) are torn down too.
      for (const i of await this.deps.runtime.list()) if (!known.has(i.appId)) this.wake(i.appId);
    } catch (e) {
      this.deps.logger.error('resync-failed', { error: String(e) });
    }
  }

  private async run(appId: string): Promise<void> {
    if (this.running.has(appId)) {
      this.dirty.add(appId);
      return;
    }
    this.running.add(appId);
    try {
      const { wakeInMs } = await this.deps.reconciler.reconcile(appId);
      if (wakeInMs !== undefined) this.wake(appId, wakeInMs);
    } catch (e) {
      // Unexpected failures are "retry later", never fatal: the next look may find the world fixed.
      this.deps.logger.error('reconcile-failed', { appId, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      this.wake(appId, this.deps.retryMs ?? 2000);
    } finally {
      // A failed attempt counts too: one broken app must not keep every router on old routes.
      this.firstPassDone(appId);
      this.running.delete(appId);
      if (this.dirty.delete(appId)) this.wake(appId);
      if (this.running.size === 0) for (const w of this.idleWaiters) w();
    }
  }

  /** Resolves once no reconcile is running, e.g. before closing the store on shutdown. */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.idleWaiters.delete(done);
        resolve();
      };
      this.idleWaiters.add(done);
    });
  }

  list(appId: string): Promise<DynoView[]> {
    return this.deps.reconciler.dynos(appId);
  }

  async restart(appId: string, name?: string): Promise<number> {
    const n = await this.deps.reconciler.restart(appId, name);
    this.wake(appId);
    return n;
  }
}
