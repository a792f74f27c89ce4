// The rows the metrics history (metrics/metrics-history.ts) keeps through the store's `metrics` repo
// (store/sqlite/metrics-repos.ts). Declared once, here, because both sides need it and neither may
// import the other: what a row's data means is metrics/'s business; the store only keeps rows by key
// and time.

/** One series (an app's process type, its router, its platform counts) in one time bucket. */
export interface MetricRow {
  appId: string;
  /** `instance`, `router` or `platform`. */
  kind: string;
  /** The process type for instance rows; empty for the others. */
  series: string;
  /** The bucket's length: 60 (a minute) or 600 (a ten-minute rollup). */
  stepSeconds: number;
  /** Epoch milliseconds of the bucket's start. */
  at: number;
  /** The encoded aggregate (metrics/minute-aggregates.ts); opaque to the store. */
  data: string;
}

export interface MetricRowStore {
  /** Adds rows; where a row of the same app, kind, series, step and time is kept, its data becomes combine(kept, added). One transaction. */
  merge(rows: readonly MetricRow[], combine: (kept: MetricRow, added: MetricRow) => string): Promise<void>;
  /** Writes rows, replacing any kept at the same key. One transaction. */
  replace(rows: readonly MetricRow[]): Promise<void>;
  /** An app's rows of one step with `from <= at < to`, in time order. */
  range(appId: string, stepSeconds: number, from: number, to: number): Promise<MetricRow[]>;
  /** Deletes the rows of one step older than `before`; returns how many. */
  deleteBefore(stepSeconds: number, before: number): Promise<number>;
  forgetApp(appId: string): Promise<void>;
}
