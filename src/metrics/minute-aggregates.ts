// What the history keeps for one series in one time bucket (a minute or ten), in a form that adds
// up: two aggregates of the same series merge into the aggregate of both, so a minute written in
// two flushes, a ten-minute rollup and any query step are all the same merge. Encoded compactly:
// a row is written per series per minute for 48 h, so its bytes are the history's cost on disk.
import { LATENCY_BUCKETS_MS, type RouterMinute, type StatusClass } from '../domain/metric-samples.js';

/** Instance readings of one process type: averages are sums over `samples`, restarts are the count that happened. */
export interface InstanceAggregate {
  kind: 'instance';
  samples: number;
  cpuSum: number;
  cpuMax: number;
  rssSum: number;
  rssMax: number;
  limit: number;
  restarts: number;
}

/** The router's counts of one app: a RouterMinute's, over any number of minutes. */
export type RouterAggregate = { kind: 'router' } & Omit<RouterMinute, 'appId' | 'minute'>;

export interface PlatformAggregate {
  kind: 'platform';
  builds: number;
  buildFailures: number;
  buildMsSum: number;
  reconcileErrors: number;
}

export type Aggregate = InstanceAggregate | RouterAggregate | PlatformAggregate;
export type AggregateKind = Aggregate['kind'];

const addRecords = (a: Record<string, number | undefined>, b: Record<string, number | undefined>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [k, v] of [...Object.entries(a), ...Object.entries(b)]) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out;
};

const addArrays = (a: readonly number[], b: readonly number[]): number[] =>
  Array.from({ length: Math.max(a.length, b.length) }, (_, i) => (a[i] ?? 0) + (b[i] ?? 0));

/** The aggregate of both; they must be of the same kind (the same series). */
export function mergeAggregates(a: Aggregate, b: Aggregate): Aggregate {
  if (a.kind === 'instance' && b.kind === 'instance') {
    return {
      kind: 'instance', samples: a.samples + b.samples, cpuSum: a.cpuSum + b.cpuSum, cpuMax: Math.max(a.cpuMax, b.cpuMax),
      rssSum: a.rssSum + b.rssSum, rssMax: Math.max(a.rssMax, b.rssMax), limit: Math.max(a.limit, b.limit), restarts: a.restarts + b.restarts,
    };
  }
  if (a.kind === 'router' && b.kind === 'router') {
    return {
      kind: 'router', statusClasses: addRecords(a.statusClasses, b.statusClasses), errorCodes: addRecords(a.errorCodes, b.errorCodes),
      latencyBuckets: addArrays(a.latencyBuckets, b.latencyBuckets), latencySumMs: a.latencySumMs + b.latencySumMs,
      bytesIn: a.bytesIn + b.bytesIn, bytesOut: a.bytesOut + b.bytesOut, peakConcurrent: Math.max(a.peakConcurrent, b.peakConcurrent),
    };
  }
  if (a.kind === 'platform' && b.kind === 'platform') {
    return {
      kind: 'platform', builds: a.builds + b.builds, buildFailures: a.buildFailures + b.buildFailures,
      buildMsSum: a.buildMsSum + b.buildMsSum, reconcileErrors: a.reconcileErrors + b.reconcileErrors,
    };
  }
  throw new Error(`cannot merge a ${a.kind} aggregate with a ${b.kind} one`);
}

/** Integers stay integers; fractions (CPU %) keep two decimals: enough for a chart, fewer bytes on disk. */
const short = (n: number) => Math.round(n * 100) / 100;

/** The stored text: JSON arrays by position, zero buckets at the end left off. */
export function encodeAggregate(a: Aggregate): string {
  switch (a.kind) {
    case 'instance':
      return JSON.stringify([a.samples, short(a.cpuSum), short(a.cpuMax), a.rssSum, a.rssMax, a.limit, a.restarts]);
    case 'router': {
      const buckets = [...a.latencyBuckets];
      while (buckets.length > 0 && buckets[buckets.length - 1] === 0) buckets.pop();
      return JSON.stringify([a.statusClasses, a.errorCodes, buckets, short(a.latencySumMs), a.bytesIn, a.bytesOut, a.peakConcurrent]);
    }
    case 'platform':
      return JSON.stringify([a.builds, a.buildFailures, a.buildMsSum, a.reconcileErrors]);
  }
}

export function decodeAggregate(kind: AggregateKind, text: string): Aggregate {
  const v = JSON.parse(text) as unknown[];
  const n = (i: number) => Number(v[i] ?? 0);
  switch (kind) {
    case 'instance':
      return { kind, samples: n(0), cpuSum: n(1), cpuMax: n(2), rssSum: n(3), rssMax: n(4), limit: n(5), restarts: n(6) };
    case 'router': {
      const buckets = (v[2] as number[]) ?? [];
      return {
        kind, statusClasses: v[0] as Partial<Record<StatusClass, number>>, errorCodes: v[1] as Record<string, number>,
        latencyBuckets: addArrays(buckets, new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)),
        latencySumMs: n(3), bytesIn: n(4), bytesOut: n(5), peakConcurrent: n(6),
      };
    }
    case 'platform':
      return { kind, builds: n(0), buildFailures: n(1), buildMsSum: n(2), reconcileErrors: n(3) };
  }
}
