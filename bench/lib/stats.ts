// Small statistics over samples: medians of rounds, percentiles of latencies.

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: number[]): number => percentile(values, 50);

export const ratio = (a: number, b: number): number => (b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? NaN : a / b);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Milliseconds since an arbitrary origin, monotonic. */
export const nowMs = (): number => performance.now();
