// The metrics `GET /apps/{app}/metrics` and `berth metrics` offer, and how each one is read from an
// aggregate. Instance metrics have a series per process type; `router-errors` one per Heroku error
// code; the rest one series for the app.
import type { StatusClass } from '../domain/metric-samples.js';
import { latencyPercentile } from './latency-percentile.js';
import type { Aggregate, AggregateKind, InstanceAggregate, PlatformAggregate, RouterAggregate } from './minute-aggregates.js';

export type MetricUnit = 'percent' | 'bytes' | 'count' | 'milliseconds';

interface MetricOf<A extends Aggregate> {
  name: string;
  kind: A['kind'];
  unit: MetricUnit;
  description: string;
  /** The value of one bucket; null when the bucket says nothing about it (no requests: no latency). */
  read: (a: A) => number | null;
  /** Instead of one value, one per label (router error codes). */
  readByLabel?: (a: A) => Record<string, number>;
}

export type MetricDefinition = MetricOf<InstanceAggregate> | MetricOf<RouterAggregate> | MetricOf<PlatformAggregate>;

const instance = (name: string, unit: MetricUnit, description: string, read: (a: InstanceAggregate) => number | null): MetricOf<InstanceAggregate> => ({ name, kind: 'instance', unit, description, read });
const router = (name: string, unit: MetricUnit, description: string, read: (a: RouterAggregate) => number | null): MetricOf<RouterAggregate> => ({ name, kind: 'router', unit, description, read });
const platform = (name: string, unit: MetricUnit, description: string, read: (a: PlatformAggregate) => number | null): MetricOf<PlatformAggregate> => ({ name, kind: 'platform', unit, description, read });

const avg = (sum: number, n: number) => (n === 0 ? null : sum / n);
const requests = (a: RouterAggregate) => Object.values(a.statusClasses).reduce((s: number, n) => s + (n ?? 0), 0);
const byClass = (c: StatusClass) => (a: RouterAggregate) => a.statusClasses[c] ?? 0;

export const METRICS: readonly MetricDefinition[] = [
  instance('cpu', 'percent', 'CPU used, average per dyno, as a percentage of its size\'s CPU share', (a) => avg(a.cpuSum, a.samples)),
  instance('cpu-max', 'percent', 'CPU used, highest single reading of any dyno', (a) => (a.samples ? a.cpuMax : null)),
  instance('memory', 'bytes', 'resident memory (RSS), average per dyno', (a) => avg(a.rssSum, a.samples)),
  instance('memory-max', 'bytes', 'resident memory (RSS), highest single reading of any dyno', (a) => (a.samples ? a.rssMax : null)),
  instance('memory-limit', 'bytes', 'the memory limit of the dynos\' size', (a) => (a.samples ? a.limit : null)),
  instance('restarts', 'count', 'crash restarts of the process type\'s dynos', (a) => a.restarts),
  router('requests', 'count', 'requests the router answered', requests),
  router('requests-1xx', 'count', 'responses with a 1xx status', byClass('1xx')),
  router('requests-2xx', 'count', 'responses with a 2xx status', byClass('2xx')),
  router('requests-3xx', 'count', 'responses with a 3xx status', byClass('3xx')),
  router('requests-4xx', 'count', 'responses with a 4xx status', byClass('4xx')),
  router('requests-5xx', 'count', 'responses with a 5xx status', byClass('5xx')),
  { ...router('router-errors', 'count', 'requests that ended in a Heroku router error, one series per code (H12, H13, ...)', (a) => Object.values(a.errorCodes).reduce((s, n) => s + n, 0)), readByLabel: (a: RouterAggregate) => a.errorCodes },
  router('latency-p50', 'milliseconds', 'median response time', (a) => latencyPercentile(a.latencyBuckets, 0.5)),
  router('latency-p95', 'milliseconds', '95th percentile response time', (a) => latencyPercentile(a.latencyBuckets, 0.95)),
  router('latency-p99', 'milliseconds', '99th percentile response time', (a) => latencyPercentile(a.latencyBuckets, 0.99)),
  router('latency-mean', 'milliseconds', 'mean response time', (a) => avg(a.latencySumMs, requests(a))),
  router('bytes-in', 'bytes', 'request bytes received from clients', (a) => a.bytesIn),
  router('bytes-out', 'bytes', 'response bytes sent to clients', (a) => a.bytesOut),
  router('concurrency-max', 'count', 'the most requests in flight at once', (a) => a.peakConcurrent),
  platform('builds', 'count', 'builds that ended', (a) => a.builds),
  platform('build-failures', 'count', 'builds that failed', (a) => a.buildFailures),
  platform('build-time', 'milliseconds', 'mean build time', (a) => avg(a.buildMsSum, a.builds)),
  platform('reconcile-errors', 'count', 'errors the health manager met while reconciling the app', (a) => a.reconcileErrors),
];

export const metricNamed = (name: string): MetricDefinition | undefined => METRICS.find((m) => m.name === name);

export const METRIC_KINDS: readonly AggregateKind[] = ['instance', 'router', 'platform'];
