// A Prometheus histogram whose buckets arrive already counted (the router sends a minute's bucket
// counts and latency sum, never single observations), shaped for prom-client's Registry like its own
// Histogram: prom-client only observes one value at a time. What Go's client calls a const histogram.
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  /** Counts per bucket (not cumulative), the last one unbounded. */
  buckets: number[];
  sum: number;
}

export class PresummedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  /** `upperBounds`: the buckets' upper bounds in the metric's unit, ascending; +Inf follows. */
  constructor(readonly name: string, readonly help: string, private readonly upperBounds: readonly number[], registry: Registry) {
    registry.registerMetric(this as never);
  }

  /** Sets one label set's counts (`buckets`: one per bound, plus the unbounded last) and sum. */
  set(labels: Labels, buckets: readonly number[], sum: number): void {
    if (buckets.length !== this.upperBounds.length + 1) throw new Error(`${this.name}: ${buckets.length} bucket counts for ${this.upperBounds.length} bounds`);
    this.series.set(JSON.stringify(Object.entries(labels).sort()), { labels, buckets: [...buckets], sum });
  }

  reset(): void {
    this.series.clear();
  }

  /** What prom-client's Registry reads: cumulative `_bucket`s with `le`, `_sum`, `_count`. */
  async get() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      });
      cumulative += s.buckets[this.upperBounds.length]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: cumulative });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
