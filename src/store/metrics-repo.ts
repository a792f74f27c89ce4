// The metrics history's rows (migration 10: metric_rows): one aggregate per app, kind, series and
// time bucket, as metrics/ encodes it. The store keeps and finds them by key and time; what a row
// means is metrics/'s business (it declares this same shape as its port, metrics/metric-row-store.ts).

export interface MetricRow {
  appId: string;
  kind: string;
  series: string;
  stepSeconds: number;
  /** Epoch milliseconds of the bucket's start. */
  at: number;
  data: string;
}

export interface MetricsRepo {
  /** Adds rows; where a row with the same key is kept, its data becomes combine(kept, added). One transaction. */
  merge(rows: readonly MetricRow[], combine: (kept: MetricRow, added: MetricRow) => string): Promise<void>;
  /** Writes rows, replacing any kept with the same key. One transaction. */
  replace(rows: readonly MetricRow[]): Promise<void>;
  /** An app's rows of one step with `from <= at < to`, in time order. */
  range(appId: string, stepSeconds: number, from: number, to: number): Promise<MetricRow[]>;
  /** Deletes the rows of one step older than `before`; returns how many. */
  deleteBefore(stepSeconds: number, before: number): Promise<number>;
  forgetApp(appId: string): Promise<void>;
}
