// A latency percentile from histogram bucket counts, as Prometheus's histogram_quantile works it
// out: find the bucket the rank falls in and interpolate linearly inside it. Kept as buckets (not
// as percentiles) so that minutes, ten-minute rollups and any query step add up exactly.
import { LATENCY_BUCKETS_MS } from '../domain/metric-samples.js';

/** The q-th quantile (0 < q < 1) in milliseconds; null without requests. A rank in the unbounded last bucket reads as the highest bound. */
export function latencyPercentile(buckets: readonly number[], q: number, bounds: readonly number[] = LATENCY_BUCKETS_MS): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i] ?? 0;
    if (below + count >= rank && count > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - below) / count);
    }
    below += count;
  }
  return bounds[bounds.length - 1]!;
}
