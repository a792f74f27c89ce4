// What the platform measures, as plain values: the one vocabulary shared by the parts that take
// measurements (the instance sampler, the router, the build pipeline, the reconciler) and the parts
// that keep them (the metrics history, the Prometheus exposition). Takers call a MetricsRecorder;
// keepers implement it; main/ fans one recorder out to every keeper.

/** One reading of one running instance, taken by the runtime's sampler. */
export interface InstanceSample {
  appId: string;
  processType: string;
  /** The dyno name, e.g. `web.1`. */
  dyno: string;
  /** Epoch milliseconds of the reading. */
  at: number;
  /** CPU used since the previous reading, as a percentage of the instance size's CPU share (may exceed 100 briefly). */
  cpuPercent: number;
  memoryRssBytes: number;
  /** The instance's memory limit from its size. */
  memoryLimitBytes: number;
  /** Restarts of this dyno slot so far (crash restarts and replacements the platform made). */
  restarts: number;
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/**
 * Upper bounds (milliseconds) of the latency histogram's buckets, shared by the router's per-minute
 * counts, the history and the Prometheus histogram; a last, unbounded bucket follows them.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** What the router saw for one app in one minute (the router adds up; it never sends a row per request). */
export interface RouterMinute {
  appId: string;
  /** Epoch milliseconds of the minute's start. */
  minute: number;
  /** Requests by the status class the client saw. */
  statusClasses: Partial<Record<StatusClass, number>>;
  /** Requests that ended in a Heroku router error, by code (`H12`, `H13`, ...). */
  errorCodes: Record<string, number>;
  /** Request counts per LATENCY_BUCKETS_MS bucket, plus the unbounded last one (length = bounds + 1). */
  latencyBuckets: number[];
  /** Sum of all latencies in the minute, milliseconds (for means and Prometheus `_sum`). */
  latencySumMs: number;
  /** Request bytes received from clients and response bytes sent to them. */
  bytesIn: number;
  bytesOut: number;
  /** The most requests of this app in flight at once during the minute. */
  peakConcurrent: number;
}

/** Platform-wide events the control plane counts. */
export type PlatformMeasurement =
  | { kind: 'build'; appId: string; at: number; outcome: 'succeeded' | 'failed'; durationMs: number }
  | { kind: 'reconcile-error'; appId: string; at: number }
  /** One attempt to send an app webhook's delivery: it got through, will be tried again, or was the last. */
  | { kind: 'webhook-attempt'; appId: string; at: number; result: 'succeeded' | 'retrying' | 'failed' };

/** One log drain's delivery since the server started, as its delivery counts it (read at each scrape). */
export interface DrainCounts {
  appId: string;
  /** The drain's token (`d.…`): its URL may carry credentials, so it names the drain. */
  token: string;
  sent: number;
  dropped: number;
  buffered: number;
}

/** Where measurements go. Every method returns at once and never throws into the caller. */
export interface MetricsRecorder {
  instance(sample: InstanceSample): void;
  routerMinute(minute: RouterMinute): void;
  platform(measurement: PlatformMeasurement): void;
}

export const noMetrics: MetricsRecorder = { instance: () => {}, routerMinute: () => {}, platform: () => {} };

/** Hands every measurement to each recorder; one that throws does not keep it from the others. */
export function fanOutMetrics(recorders: readonly MetricsRecorder[], onError: (e: unknown) => void): MetricsRecorder {
  const each = (call: (r: MetricsRecorder) => void) => {
    for (const r of recorders) {
      try {
        call(r);
      } catch (e) {
        onError(e);
      }
    }
  };
  return {
    instance: (s) => each((r) => r.instance(s)),
    routerMinute: (m) => each((r) => r.routerMinute(m)),
    platform: (p) => each((r) => r.platform(p)),
  };
}
