// The meter of instance-seconds. It records each instance's interval from what the runtime says
// (its start and exit times), never by counting ticks: an exit is recorded as the runtime reports
// it (onExit), and a sweep (at start, then every minute) records instances it has not seen yet and
// marks the running ones as seen. An interval a dead server left open is closed at start by what
// the runtime says: still running → stays open; exited → closed at its exit time; unknown to the
// runtime (gone while nobody watched) → closed at the last time this server saw it running.
import { DEFAULT_SIZE } from '../domain/sizes.js';
import { isoNow, type Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Instance, Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';

export interface InstanceMeterDeps {
  store: Store;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  /** How often running instances are confirmed (the most an interval lost while Berth was down is undercounted). Default 60 s. */
  sweepEveryMs?: number;
}

export class InstanceMeter {
  constructor(private readonly deps: InstanceMeterDeps) {}

  /**
   * Recovers what a dead server left open, then follows exits and sweeps until the signal aborts.
   * Call it before the health manager starts: that removes exited instances, and their exit times with them.
   */
  async start(signal: AbortSignal): Promise<void> {
    const off = this.deps.runtime.onExit((i) => this.record(i).catch((e: Error) => this.deps.logger.error('usage-exit-not-recorded', { id: i.id, error: e.message })));
    signal.addEventListener('abort', off, { once: true });
    await this.closeLeftoverOneOffs();
    await this.sweep();
    void this.sweepEvery(this.deps.sweepEveryMs ?? 60_000, signal).catch((e: Error) => this.deps.logger.error('usage-sweep-stopped', { error: e.message }));
  }

  private async sweepEvery(everyMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.deps.clock.sleep(everyMs, signal);
      } catch {
        return; // stopped
      }
      await this.sweep().catch((e: Error) => this.deps.logger.warn('usage-sweep-failed', { error: e.message }));
    }
  }

  /**
   * One-offs a dead server left running were stopped at this start (runtime.stopLeftoverOneOffs): they
   * end at their last sighting. Called before this process runs one-offs of its own.
   */
  private async closeLeftoverOneOffs(): Promise<void> {
    for (const open of await this.deps.store.usage.openIntervals('oneoff')) await this.deps.store.usage.close('oneoff', open.id, open.seenAt);
  }

  /**
   * Records every instance the runtime lists, and closes open intervals of instances it no longer
   * knows; marks this process's running one-offs as seen.
   */
  async sweep(): Promise<void> {
    const { store, runtime } = this.deps;
    const now = isoNow(this.deps.clock);
    await store.usage.seen('oneoff', (await store.usage.openIntervals('oneoff')).map((o) => o.id), now);
    const recorded = await store.usage.openIntervals('instance');
    const instances = await runtime.list();
    // Only what is new to the meter (or has ended) is written; a running one already open is only marked seen.
    const open = new Set(recorded.map((r) => r.id));
    for (const i of instances) if (i.status === 'exited' || !open.has(i.id)) await this.record(i, now);
    await store.usage.seen('instance', instances.filter((i) => i.status === 'running').map((i) => i.id), now);
    const known = new Set(instances.map((i) => i.id));
    for (const open of recorded) {
      if (known.has(open.id)) continue;
      await store.usage.close('instance', open.id, open.seenAt);
      this.deps.logger.warn('usage-interval-closed-at-last-sight', { app: open.appName, id: open.id, endedAt: open.seenAt });
    }
  }

  private async record(i: Instance, now = isoNow(this.deps.clock)): Promise<void> {
    const { usage, apps } = this.deps.store;
    // The end first, queued at once: a sweep that runs meanwhile must not close it at an earlier "last seen".
    const ended = i.status === 'exited' ? usage.close('instance', i.id, i.exitedAt ?? now) : Promise.resolve();
    const app = await apps.byId(i.appId);
    await ended;
    // An instance of an app already destroyed, never recorded: nobody is left to bill for it.
    if (!app) return;
    await usage.open({
      kind: 'instance', id: i.id, appId: i.appId, appName: app.name, ownerId: app.ownerId, teamId: app.teamId ?? null, item: i.size ?? DEFAULT_SIZE,
      processType: i.processType, startedAt: i.startedAt, endedAt: i.status === 'exited' ? i.exitedAt ?? now : null, seenAt: now,
    });
  }
}
