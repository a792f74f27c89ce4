// The use case behind `GET /apps/{app}/metrics` and `berth metrics`: an app's kept series, for
// whoever may view the app. The window defaults to the last hour, the step to what gives about 60
// points (a sparkline, a chart) at the resolution the window is kept at.
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import type { MetricsHistory, MetricsPage } from '../metrics/metrics-history.js';
import { MINUTES_KEPT_MS, ROLLUPS_KEPT_MS } from '../metrics/metrics-history.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';

export interface AppMetricsDeps extends Pick<ServiceDeps, 'store' | 'clock'> {
  history: Pick<MetricsHistory, 'query'>;
}

export interface AppMetricsRequest {
  metrics: readonly string[];
  /** How far back from now, milliseconds. */
  sinceMs?: number;
  stepMs?: number;
}

export const DEFAULT_WINDOW_MS = 3_600_000;
const MINUTE_MS = 60_000;
const ROLLUP_MS = 600_000;

export async function readAppMetrics(deps: AppMetricsDeps, actor: User, appRef: string, req: AppMetricsRequest): Promise<{ app: App; page: MetricsPage }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const windowMs = req.sinceMs ?? DEFAULT_WINDOW_MS;
  if (windowMs > ROLLUPS_KEPT_MS) throw new BerthError('invalid_params', 'since reaches past the 30 days metrics are kept', 'metrics');
  const until = deps.clock.now();
  const resolution = windowMs > MINUTES_KEPT_MS ? ROLLUP_MS : MINUTE_MS;
  const stepMs = req.stepMs ?? Math.max(1, Math.ceil(windowMs / 60 / resolution)) * resolution;
  const page = await deps.history.query({ appId: app.id, metrics: req.metrics, since: until - windowMs, until, stepMs });
  return { app, page };
}
