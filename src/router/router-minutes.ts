// The router's request metrics: every request is added to its app's RouterMinute (requests by status
// class and router error, latency buckets, bytes in and out, peak concurrency), never kept as a row
// of its own. A minute is sealed once it is over (or when the router stops) and then kept, under its
// report id, until the API has it: the LogShipper carries the reports with the log lines.
import { randomUUID } from 'node:crypto';
import type { RouterMinuteReport } from '../domain/internal-protocol.js';
import { LATENCY_BUCKETS_MS, type StatusClass } from '../domain/metric-samples.js';
import type { Clock } from '../platform/clock.js';
import type { RequestMetrics, RequestSample } from './request-metrics.js';

export const MINUTE_MS = 60_000;
const minuteStart = (ms: number) => ms - (ms % MINUTE_MS);

/** Sealed reports kept while the API is away (about 100 bytes each); the oldest go first past it. */
const DEFAULT_MAX_SEALED = 100_000;

const STATUS_CLASSES: Record<number, StatusClass> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };

/** Which LATENCY_BUCKETS_MS bucket a latency falls in; the last index is the unbounded bucket. */
export function latencyBucket(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return i < 0 ? LATENCY_BUCKETS_MS.length : i;
}

export class RouterMinutes implements RequestMetrics {
  /** Each app's running minute. */
  private readonly open = new Map<string, RouterMinuteReport>();
  private sealed: RouterMinuteReport[] = [];
  private droppedTotal = 0;

  constructor(private readonly clock: Clock, private readonly maxSealed = DEFAULT_MAX_SEALED) {}

  onRequest(s: RequestSample): void {
    const minute = minuteStart(this.clock.now());
    let m = this.open.get(s.appId);
    if (m && m.minute !== minute) {
      this.seal(m);
      m = undefined;
    }
    if (!m) {
      m = { id: randomUUID(), appId: s.appId, minute, statusClasses: {}, errorCodes: {}, latencyBuckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), latencySumMs: 0, bytesIn: 0, bytesOut: 0, peakConcurrent: 0 };
      this.open.set(s.appId, m);
    }
    const statusClass = STATUS_CLASSES[Math.floor(s.status / 100)];
    if (statusClass) m.statusClasses[statusClass] = (m.statusClasses[statusClass] ?? 0) + 1;
    if (s.code) m.errorCodes[s.code] = (m.errorCodes[s.code] ?? 0) + 1;
    const latency = Math.max(0, s.durationMs);
    m.latencyBuckets[latencyBucket(latency)]! += 1;
    m.latencySumMs += latency;
    m.bytesIn += s.bytesIn;
    m.bytesOut += s.bytesOut;
    m.peakConcurrent = Math.max(m.peakConcurrent, s.concurrent);
  }

  /**
   * Reports ready to go: those sealed and not yet delivered, after sealing every minute that is over
   * (`all`: every running minute too, when the router stops). Requests that finish later start a new
   * report of the same minute, under a new id.
   */
  due(all: boolean): RouterMinuteReport[] {
    const current = minuteStart(this.clock.now());
    for (const [appId, m] of this.open) {
      if (all || m.minute < current) {
        this.open.delete(appId);
        this.seal(m);
      }
    }
    return [...this.sealed];
  }

  /** The API has these (or refused them for good): forgotten. */
  delivered(sent: readonly RouterMinuteReport[]): void {
    if (sent.length === 0) return;
    const ids = new Set(sent.map((r) => r.id));
    this.sealed = this.sealed.filter((r) => !ids.has(r.id));
  }

  /** True while some app's minute is running: it becomes due at the minute's end. */
  get counting(): boolean {
    return this.open.size > 0;
  }

  /** Reports dropped since the start because the API was away too long. */
  get dropped(): number {
    return this.droppedTotal;
  }

  private seal(m: RouterMinuteReport): void {
    this.sealed.push(m);
    if (this.sealed.length > this.maxSealed) {
      const over = this.sealed.length - this.maxSealed;
      this.sealed.splice(0, over);
      this.droppedTotal += over;
    }
  }
}
