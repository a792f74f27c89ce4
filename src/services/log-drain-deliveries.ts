// Keeps one running DrainDelivery per stored drain: all of them at start (a restart resumes every
// drain), then each app's again whenever its drains change or it is renamed; a removed drain or a
// destroyed app stops its deliveries. Level-based: the store says which drains exist, events only wake.
import { parseDrainUrl, type LogDrain } from '../domain/log-drains.js';
import type { DrainCounts } from '../domain/metric-samples.js';
import { DrainDelivery, type DrainDeliveryOptions, type FollowedStream } from '../logs/drains/drain-delivery.js';
import type { DrainTransportFactory } from '../logs/drains/drain-transport.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import type { PlatformEvents } from './platform-events.js';

export interface LogDrainDeliveriesOptions {
  store: Store;
  events: PlatformEvents;
  stream: FollowedStream;
  appLog: LogSink;
  transports: DrainTransportFactory;
  clock: Clock;
  logger: Logger;
  /** Passed to each delivery (buffer size, batch size, backoff). */
  tuning?: Pick<DrainDeliveryOptions, 'maxBuffered' | 'batchSize' | 'backoff'>;
}

interface Running { drain: LogDrain; delivery: DrainDelivery; stop: AbortController }

export class LogDrainDeliveries {
  private readonly running = new Map<string, Running>();
  private readonly appNames = new Map<string, string>();
  /** Each app's reconciles take turns, so two quick changes never start a drain twice. */
  private readonly turns = new Map<string, Promise<void>>();
  private signal: AbortSignal | undefined;

  constructor(private readonly o: LogDrainDeliveriesOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const off = this.o.events.on((e) => {
      if (e.type === 'log-drains-changed' || e.type === 'app-changed' || e.type === 'app-destroyed') this.wake(e.appId);
    });
    signal.addEventListener('abort', () => { off(); for (const r of this.running.values()) r.stop.abort(); }, { once: true });
    const appIds = new Set((await this.o.store.logDrains.all()).map((d) => d.appId));
    // Through the apps' turns, like every later wake, so an event arriving meanwhile never starts a drain twice.
    await Promise.all([...appIds].map((appId) => this.wake(appId)));
    this.o.logger.info('log-drains-started', { drains: this.running.size });
  }

  /** The deliveries of an app's drains (for tests and the bench). */
  deliveries(appId: string): DrainDelivery[] {
    return [...this.running.values()].filter((r) => r.drain.appId === appId).map((r) => r.delivery);
  }

  /** Every running drain's counts, as its delivery keeps them (the Prometheus scrape reads these). */
  counts(): DrainCounts[] {
    return [...this.running.values()].map(({ drain, delivery }) => ({ appId: drain.appId, token: drain.token, ...delivery.stats }));
  }

  /** Re-reads the app's drains and starts or stops deliveries to match; resolves when done. */
  wake(appId: string): Promise<void> {
    const next = (this.turns.get(appId) ?? Promise.resolve()).then(() => this.reconcile(appId))
      .catch((e: Error) => this.o.logger.error('log-drains-reconcile-failed', { appId, error: e.message }));
    this.turns.set(appId, next);
    void next.finally(() => { if (this.turns.get(appId) === next) this.turns.delete(appId); });
    return next;
  }

  private async reconcile(appId: string): Promise<void> {
    const signal = this.signal;
    if (!signal || signal.aborted) return;
    const app = await this.o.store.apps.byId(appId);
    const wanted = app ? await this.o.store.logDrains.list(appId) : [];
    if (app) this.appNames.set(appId, app.name);
    else this.appNames.delete(appId);
    const keep = new Set(wanted.map((d) => d.id));
    for (const [id, r] of this.running) {
      if (r.drain.appId === appId && !keep.has(id)) {
        r.delivery.end();
        r.stop.abort();
        this.running.delete(id);
      }
    }
    for (const drain of wanted) if (!this.running.has(drain.id)) this.run(drain, signal);
  }

  private run(drain: LogDrain, parent: AbortSignal): void {
    const stop = new AbortController();
    const signal = AbortSignal.any([parent, stop.signal]);
    const delivery = new DrainDelivery({
      ...this.o.tuning,
      appId: drain.appId, appName: () => this.appNames.get(drain.appId) ?? drain.appId, token: drain.token,
      transport: this.o.transports(parseDrainUrl(drain.url), drain.token),
      stream: this.o.stream, appLog: this.o.appLog, clock: this.o.clock, logger: this.o.logger,
    });
    this.running.set(drain.id, { drain, delivery, stop });
    void delivery.start(signal)
      .catch((e: Error) => this.o.logger.error('log-drain-stopped', { drain: drain.token, error: e.stack ?? e.message }))
      .finally(() => { if (this.running.get(drain.id)?.delivery === delivery) this.running.delete(drain.id); });
  }
}
