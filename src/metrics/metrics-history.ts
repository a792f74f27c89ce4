// Berth's own metrics history: what the sampler, the router and the control plane measure, kept
// with no extra service to run. Measurements are added up in memory per series per minute and
// written once a minute in one transaction (never a write per sample); each written minute's
// ten-minute rollup is recomputed from the minutes kept, so a rollup is always their exact sum.
// Minutes are kept 48 h and rollups 30 days; older rows are deleted every ten minutes.
import { BerthError } from '../domain/errors.js';
import type { InstanceSample, MetricsRecorder, PlatformMeasurement, RouterMinute } from '../domain/metric-samples.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { METRICS, type MetricDefinition, type MetricUnit } from './metric-catalogue.js';
import type { MetricRow, MetricRowStore } from '../domain/metric-rows.js';
import { decodeAggregate, encodeAggregate, mergeAggregates, type Aggregate, type AggregateKind } from './minute-aggregates.js';

const MINUTE_MS = 60_000;
const ROLLUP_MS = 10 * MINUTE_MS;
export const MINUTES_KEPT_MS = 48 * 3_600_000;
export const ROLLUPS_KEPT_MS = 30 * 86_400_000;
/** A page answers at most this many points per series (a day at one minute is 1,440). */
export const MAX_POINTS = 1500;
/** What is held in memory while the store cannot be written; past it, new measurements are dropped (and counted in the log). */
const MAX_PENDING_ROWS = 100_000;

export interface MetricsQuery {
  appId: string;
  /** Metric names (metric-catalogue.ts); empty: all of them. */
  metrics: readonly string[];
  since: number;
  until: number;
  stepMs: number;
}

export interface MetricsSeries {
  /** The process type (instance metrics), the error code (`router-errors`), or null (one series for the app). */
  label: string | null;
  /** One value per entry of the page's `times`; null where nothing was measured. */
  values: (number | null)[];
}

export interface MetricsPage {
  since: number;
  until: number;
  stepMs: number;
  /** The start of each step, epoch milliseconds. */
  times: number[];
  metrics: { name: string; unit: MetricUnit; series: MetricsSeries[] }[];
}

interface Pending { appId: string; kind: AggregateKind; series: string; at: number; aggregate: Aggregate }

export interface MetricsHistoryDeps {
  rows: MetricRowStore;
  clock: Clock;
  logger: Logger;
  flushEveryMs?: number;
}

export class MetricsHistory implements MetricsRecorder {
  private pending = new Map<string, Pending>();
  /** Each dyno's restart count at its last sample: a sample carries the count so far, a minute keeps what was added. */
  private readonly restartsSeen = new Map<string, number>();
  private dropped = 0;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MetricsHistoryDeps) {}

  instance(s: InstanceSample): void {
    const dyno = `${s.appId}/${s.dyno}`;
    const restarts = Math.max(0, s.restarts - (this.restartsSeen.get(dyno) ?? 0));
    this.restartsSeen.set(dyno, s.restarts);
    this.add(s.appId, s.processType, s.at, {
      kind: 'instance', samples: 1, cpuSum: s.cpuPercent, cpuMax: s.cpuPercent, rssSum: s.memoryRssBytes, rssMax: s.memoryRssBytes,
      limit: s.memoryLimitBytes, restarts,
    });
  }

  routerMinute(m: RouterMinute): void {
    this.add(m.appId, '', m.minute, {
      kind: 'router', statusClasses: { ...m.statusClasses }, errorCodes: { ...m.errorCodes }, latencyBuckets: [...m.latencyBuckets],
      latencySumMs: m.latencySumMs, bytesIn: m.bytesIn, bytesOut: m.bytesOut, peakConcurrent: m.peakConcurrent,
    });
  }

  platform(p: PlatformMeasurement): void {
    // Webhook attempts are Prometheus counters only; the history keeps builds and reconcile errors.
    if (p.kind === 'webhook-attempt') return;
    const build = p.kind === 'build';
    this.add(p.appId, '', p.at, {
      kind: 'platform', builds: build ? 1 : 0, buildFailures: build && p.outcome === 'failed' ? 1 : 0,
      buildMsSum: build ? p.durationMs : 0, reconcileErrors: build ? 0 : 1,
    });
  }

  /** Writes what was measured every minute until the signal aborts, then once more. */
  async start(signal: AbortSignal): Promise<void> {
    const every = this.deps.flushEveryMs ?? MINUTE_MS;
    while (!signal.aborted) {
      try {
        await this.deps.clock.sleep(every, signal);
      } catch {
        break; // aborted
      }
      await this.flush();
    }
    await this.flush();
  }

  /** Writes the pending minutes and their rollups, and deletes what is past its retention; a failed write is kept for the next one. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending()).catch((e: Error) => this.deps.logger.warn('metrics-write-failed', { error: e.message }));
    return this.flushing;
  }

  async forgetApp(appId: string): Promise<void> {
    for (const [key, p] of this.pending) if (p.appId === appId) this.pending.delete(key);
    for (const key of this.restartsSeen.keys()) if (key.startsWith(`${appId}/`)) this.restartsSeen.delete(key);
    await this.deps.rows.forgetApp(appId);
  }

  async query(q: MetricsQuery): Promise<MetricsPage> {
    const definitions = q.metrics.length === 0 ? METRICS : q.metrics.map((name) => METRICS.find((m) => m.name === name) ?? unknownMetric(name));
    const now = this.deps.clock.now();
    // Steps of whole ten minutes, or a window reaching past the minutes kept, read the rollups.
    const rollups = q.stepMs % ROLLUP_MS === 0 || q.since < now - MINUTES_KEPT_MS;
    const resolution = rollups ? ROLLUP_MS : MINUTE_MS;
    if (q.stepMs % resolution !== 0) {
      throw new BerthError('invalid_params', rollups
        ? 'step must be a whole number of 10 minutes for a window older than 48 hours (only 10-minute rollups are kept that long)'
        : 'step must be a whole number of minutes');
    }
    if (q.since >= q.until) throw new BerthError('invalid_params', 'since must be before until');
    const start = Math.floor(q.since / q.stepMs) * q.stepMs;
    const count = Math.ceil((q.until - start) / q.stepMs);
    if (count > MAX_POINTS) throw new BerthError('invalid_params', `that is ${count} points per series; at most ${MAX_POINTS}: ask for a larger step or a shorter window`);

    // Not yet written: the current minute, and whatever a failed write kept. Taken before the read is
    // queued: a flush that swaps them out after this point writes them after the read (the store runs
    // calls in order), so each minute is counted exactly once.
    const unwritten = [...this.pending.values()].filter((p) => p.appId === q.appId);
    const stored = await this.deps.rows.range(q.appId, resolution / 1000, start, start + count * q.stepMs);
    const buckets = new Map<string, Aggregate>(); // kind \0 series \0 index
    const addTo = (kind: AggregateKind, series: string, at: number, a: Aggregate) => {
      const index = Math.floor((at - start) / q.stepMs);
      if (index < 0 || index >= count) return;
      const key = `${kind}\0${series}\0${index}`;
      const kept = buckets.get(key);
      buckets.set(key, kept ? mergeAggregates(kept, a) : a);
    };
    for (const r of stored) addTo(r.kind as AggregateKind, r.series, r.at, decodeAggregate(r.kind as AggregateKind, r.data));
    for (const p of unwritten) addTo(p.kind, p.series, p.at, p.aggregate);

    const times = Array.from({ length: count }, (_, i) => start + i * q.stepMs);
    return { since: start, until: start + count * q.stepMs, stepMs: q.stepMs, times, metrics: definitions.map((d) => ({ name: d.name, unit: d.unit, series: seriesOf(d, buckets, count) })) };
  }

  private add(appId: string, series: string, at: number, aggregate: Aggregate): void {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const key = `${appId}\0${aggregate.kind}\0${series}\0${minute}`;
    const kept = this.pending.get(key);
    if (!kept && this.pending.size >= MAX_PENDING_ROWS) {
      this.dropped++;
      return;
    }
    this.pending.set(key, kept ? { ...kept, aggregate: mergeAggregates(kept.aggregate, aggregate) } : { appId, kind: aggregate.kind, series, at: minute, aggregate });
  }

  private async writePending(): Promise<void> {
    if (this.dropped > 0) {
      this.deps.logger.warn('metrics-dropped', { measurements: this.dropped, reason: 'the history could not be written and its buffer is full' });
      this.dropped = 0;
    }
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size > 0) {
      try {
        await this.writeMinutes([...batch.values()]);
      } catch (e) {
        // Kept for the next flush, merged with what arrived meanwhile.
        for (const p of batch.values()) this.add(p.appId, p.series, p.at, p.aggregate);
        throw e;
      }
    }
    const now = this.deps.clock.now();
    if (now - this.lastPruneAt >= ROLLUP_MS) {
      await this.deps.rows.deleteBefore(MINUTE_MS / 1000, now - MINUTES_KEPT_MS);
      await this.deps.rows.deleteBefore(ROLLUP_MS / 1000, now - ROLLUPS_KEPT_MS);
      this.lastPruneAt = now;
    }
  }

  private async writeMinutes(batch: Pending[]): Promise<void> {
    const { rows } = this.deps;
    await rows.merge(batch.map((p) => toRow(p, MINUTE_MS)), (kept, added) =>
      encodeAggregate(mergeAggregates(decodeAggregate(kept.kind as AggregateKind, kept.data), decodeAggregate(added.kind as AggregateKind, added.data))));
    // Each touched ten minutes is summed again from its minutes (replacing the rollup): exact, and idempotent.
    const touched = new Map<string, { appId: string; at: number }>();
    for (const p of batch) {
      const at = Math.floor(p.at / ROLLUP_MS) * ROLLUP_MS;
      touched.set(`${p.appId}\0${at}`, { appId: p.appId, at });
    }
    const rollups: MetricRow[] = [];
    for (const { appId, at } of touched.values()) {
      const sums = new Map<string, Pending>();
      for (const r of await rows.range(appId, MINUTE_MS / 1000, at, at + ROLLUP_MS)) {
        const key = `${r.kind}\0${r.series}`;
        const a = decodeAggregate(r.kind as AggregateKind, r.data);
        const kept = sums.get(key);
        sums.set(key, kept ? { ...kept, aggregate: mergeAggregates(kept.aggregate, a) } : { appId, kind: r.kind as AggregateKind, series: r.series, at, aggregate: a });
      }
      for (const p of sums.values()) rollups.push(toRow(p, ROLLUP_MS));
    }
    await rows.replace(rollups);
  }
}

const toRow = (p: Pending, stepMs: number): MetricRow =>
  ({ appId: p.appId, kind: p.kind, series: p.series, stepSeconds: stepMs / 1000, at: p.at, data: encodeAggregate(p.aggregate) });

const unknownMetric = (name: string): never => {
  throw new BerthError('invalid_params', `unknown metric "${name}"; the metrics are: ${METRICS.map((m) => m.name).join(', ')}`);
};

const round = (n: number | null) => (n === null || !Number.isFinite(n) ? null : Math.round(n * 100) / 100);

/** The metric's series from the page's buckets: one per process type, per error code, or one for the app. */
function seriesOf(d: MetricDefinition, buckets: Map<string, Aggregate>, count: number): MetricsSeries[] {
  const bySeries = new Map<string | null, (number | null)[]>();
  const valuesOf = (label: string | null) => {
    let values = bySeries.get(label);
    if (!values) bySeries.set(label, (values = new Array<number | null>(count).fill(null)));
    return values;
  };
  for (const [key, a] of buckets) {
    const [kind, series, index] = key.split('\0') as [AggregateKind, string, string];
    if (kind !== d.kind) continue;
    const i = Number(index);
    if (d.readByLabel) {
      for (const [code, n] of Object.entries((d.readByLabel as (x: Aggregate) => Record<string, number>)(a))) valuesOf(code)[i] = n;
    } else {
      valuesOf(d.kind === 'instance' ? series : null)[i] = round((d.read as (x: Aggregate) => number | null)(a));
    }
  }
  return [...bySeries].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([label, values]) => ({ label, values }));
}
