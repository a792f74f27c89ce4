// The metrics history's rows (migration 10: metric_series + metric_points): one aggregate per app,
// kind, series and time bucket, as metrics/ encodes it. The shape is declared once in domain/.
export type { MetricRow, MetricRowStore as MetricsRepo } from '../domain/metric-rows.js';
