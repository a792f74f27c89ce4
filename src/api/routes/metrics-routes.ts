// GET /apps/{app}/metrics?metric=memory,cpu&since=1h&step=1m: an app's kept metric series as JSON,
// for `berth metrics` and the dashboard's charts. Berth's own resource: Heroku's metrics API is not public.
import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../domain/durations.js';
import { BerthError } from '../../domain/errors.js';
import type { MetricsPage } from '../../metrics/metrics-history.js';
import { readAppMetrics, type AppMetricsDeps } from '../../services/app-metrics.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

type Query = { metric?: string | string[]; since?: string; step?: string };

export function metricsRoutes(d: Pick<AppMetricsDeps, 'history'>) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: AppMetricsDeps = { ...ctx, ...d };
    app.get<{ Params: { app: string }; Querystring: Query }>('/apps/:app/metrics', async (req) => {
      const q = req.query;
      const metrics = [q.metric ?? []].flat().flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean);
      const { app: a, page } = await readAppMetrics(deps, actorOf(req), req.params.app, {
        metrics, ...(q.since !== undefined ? { sinceMs: duration('since', q.since) } : {}), ...(q.step !== undefined ? { stepMs: duration('step', q.step) } : {}),
      });
      return pageJson(a, page);
    });
  };
}

function duration(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new BerthError('invalid_params', `${name} must be a duration such as 90s, 30m, 2h or 7d, not "${text}"`, 'metrics');
  return ms;
}

/** Times once for the page, then each series' values in the same order: what a chart plots. */
function pageJson(a: { id: string; name: string }, page: MetricsPage) {
  return {
    app: { id: a.id, name: a.name },
    since: new Date(page.since).toISOString(),
    until: new Date(page.until).toISOString(),
    step: page.stepMs / 1000,
    times: page.times.map((t) => new Date(t).toISOString()),
    metrics: page.metrics.map((m) => ({ name: m.name, unit: m.unit, series: m.series.map((s) => ({ label: s.label, values: s.values })) })),
  };
}
