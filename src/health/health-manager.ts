// The reconcile loop: a work queue of app ids. Platform events, instance exits, timers and a
// periodic resync only wake an app up; the Reconciler does the work. One reconcile per app at a
// time; a wake-up that arrives mid-run makes the app run again right after. Every timer comes from
// the injected Clock, so tests run the loop on fake time.
import type { MetricsRecorder } from '../domain/metric-samples.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Runtime } from '../runtime/runtime.js';
import type { DynoDirectory, DynoView } from '../services/dyno-directory.js';
import type { PlatformEvents } from '../services/platform-events.js';
import type { Store } from '../store/store.js';
import type { Reconciler } from './reconciler.js';
import { KeyedRetryBackoff } from './retry-backoff.js';

export interface HealthManagerDeps {
  store: Store;
  runtime: Runtime;
  events: PlatformEvents;
  reconciler: Pick<Reconciler, 'reconcile' | 'dynos' | 'restart'>;
  clock: Clock;
  logger: Logger;
  /** Every app is looked at this often even without events. Default 5 s. */
  resyncMs?: number;
  /** Where a reconcile pass that threw is counted; absent: nowhere. */
  metrics?: MetricsRecorder;
  /** After a reconcile that threw, when to try the app again: 1 s doubling to 60 s by default, reset by a pass that succeeds. */
  retries?: KeyedRetryBackoff;
}

interface Wakeup {
  at: number;
  cancel: AbortController;
}

export class HealthManager implements DynoDirectory {
  private readonly wakeups = new Map<string, Wakeup>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly retries: KeyedRetryBackoff;
  /** Apps still waiting for their first reconcile since start (undefined until the first resync listed them). */
  private unsynced: Set<string> | undefined;
  private markSynced!: () => void;
  private readonly syncedOnce = new Promise<void>((resolve) => { this.markSynced = resolve; });
  private stopped = false;

  constructor(private readonly deps: HealthManagerDeps) {
    this.retries = deps.retries ?? new KeyedRetryBackoff();
  }

  async start(signal: AbortSignal): Promise<void> {
    // A rollout moving is news for those waiting on it; this loop wrote it, or it needs no reconcile.
    // A node change wakes the fleet balancer, which wakes the apps it moves.
    const offEvents = this.deps.events.on((e) => { if (e.type === 'app-changed' || e.type === 'app-destroyed') this.wake(e.appId); });
    const offExit = this.deps.runtime.onExit((i) => this.wake(i.appId));
    signal.addEventListener('abort', () => {
      this.stopped = true;
      offEvents();
      offExit();
      for (const { cancel } of this.wakeups.values()) cancel.abort();
      this.wakeups.clear();
    }, { once: true });
    await this.wakeAll();
    this.resyncEvery(this.deps.resyncMs ?? 5000, signal).catch((e: unknown) => this.deps.logger.error('resync-stopped', { error: String(e) }));
  }

  /** Resolves once every app that existed at start has had one reconcile (finished, whatever its outcome). */
  synced(): Promise<void> {
    return this.syncedOnce;
  }

  /** Looks at the app after `delayMs` (default now); an earlier pending wake-up wins. */
  wake(appId: string, delayMs = 0): void {
    if (this.stopped) return;
    const at = this.deps.clock.now() + delayMs;
    const pending = this.wakeups.get(appId);
    if (pending && pending.at <= at) return;
    pending?.cancel.abort();
    const wakeup: Wakeup = { at, cancel: new AbortController() };
    this.wakeups.set(appId, wakeup);
    this.deps.clock.sleep(delayMs, wakeup.cancel.signal).then(() => {
      if (this.wakeups.get(appId) === wakeup) this.wakeups.delete(appId);
      void this.run(appId);
    }, () => undefined /* replaced by an earlier wake-up, or stopped */);
  }

  private async resyncEvery(everyMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.deps.clock.sleep(everyMs, signal);
      } catch {
        return; // stopped
      }
      await this.wakeAll();
    }
  }

  private async wakeAll(): Promise<void> {
    try {
      const apps = await this.deps.store.apps.list();
      const known = new Set(apps.map((a) => a.id));
      if (!this.unsynced) {
        this.unsynced = new Set(known);
        if (this.unsynced.size === 0) this.markSynced();
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
      this.retries.reset(appId);
      if (wakeInMs !== undefined) this.wake(appId, wakeInMs);
    } catch (e) {
      // A pass that throws (the store or the runtime did not answer) is "retry later", never fatal:
      // the next look may find the world fixed. The delay grows so a lasting fault is not hammered.
      const delay = this.retries.failed(appId, this.deps.clock.now());
      this.deps.metrics?.platform({ kind: 'reconcile-error', appId, at: this.deps.clock.now() });
      this.deps.logger.error('reconcile-failed', { appId, retryInMs: delay, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      this.wake(appId, delay);
    } finally {
      this.running.delete(appId);
      if (this.unsynced?.delete(appId) && this.unsynced.size === 0) this.markSynced();
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
