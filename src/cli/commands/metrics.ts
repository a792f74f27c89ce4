// berth metrics: an app's kept metrics as a compact table per process type (CPU, memory, restarts)
// and for its router (requests, 5xx, p95 latency), each row with its latest and highest value and a
// sparkline of the window. The same page the dashboard charts (GET /apps/{app}/metrics).
import type { MetricsPage } from '../../client/api-types.js';
import { defineCommand } from '../command.js';
import { appLabel, formatBytes, renderTable } from '../output.js';
import { stringFlag } from '../parse-input.js';
import { sparkline } from '../sparkline.js';

const METRICS = ['cpu', 'memory', 'memory-limit', 'restarts', 'requests', 'requests-5xx', 'latency-p95'] as const;
const SPARK_WIDTH = 40;

type Unit = MetricsPage['metrics'][number]['unit'];

const show = (v: number | null | undefined, unit: Unit): string => {
  if (v === null || v === undefined) return '-';
  if (unit === 'bytes') return formatBytes(Math.round(v));
  if (unit === 'percent') return `${v.toFixed(1)}%`;
  if (unit === 'milliseconds') return `${Math.round(v)} ms`;
  return String(Math.round(v * 100) / 100);
};

interface Row { metric: string; latest: string; max: string; total: string; trend: string }

const COLUMNS: ReadonlyArray<{ header: string; get: (r: Row) => string }> = [
  { header: 'Metric', get: (r) => r.metric },
  { header: 'Latest', get: (r) => r.latest },
  { header: 'Max', get: (r) => r.max },
  { header: 'Total', get: (r) => r.total },
  { header: 'Trend', get: (r) => r.trend },
];

function rowOf(page: MetricsPage, title: string, name: string, label: string | null, opts: { total?: boolean; suffix?: string } = {}): Row | undefined {
  const metric = page.metrics.find((m) => m.name === name);
  const values = metric?.series.find((s) => s.label === label)?.values;
  if (!metric || !values) return undefined;
  const known = values.filter((v): v is number => v !== null);
  const latest = [...values].reverse().find((v) => v !== null);
  return {
    metric: title,
    latest: show(latest, metric.unit) + (opts.suffix ?? ''),
    max: known.length ? show(Math.max(...known), metric.unit) : '-',
    total: opts.total ? show(known.reduce((a, b) => a + b, 0), metric.unit) : '',
    trend: sparkline(values, SPARK_WIDTH),
  };
}

export const metrics = defineCommand({
  name: 'metrics',
  description: "show an app's metrics: CPU, memory and restarts per process type, and its router's requests, 5xx and p95 latency",
  needsApp: true,
  flags: {
    since: { type: 'string', description: 'how far back: 30m, 6h, 2d … up to 30d (default 1h)', valueName: 'DURATION' },
    step: { type: 'string', description: 'one point per step: 1m, 10m, 1h … (default: about 60 points)', valueName: 'DURATION' },
    json: { type: 'boolean', description: 'output in json format' },
  },
  examples: ['berth metrics -a demo', 'berth metrics -a demo --since 24h'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const since = stringFlag(input, 'since');
    const step = stringFlag(input, 'step');
    const page = await ctx.client().appMetrics(app, { metrics: METRICS, ...(since ? { since } : {}), ...(step ? { step } : {}) });
    if (input.flags.json) return ctx.out.json(page);
    ctx.out.header(`${appLabel(page.app.name)} metrics since ${page.since.slice(0, 16).replace('T', ' ')} UTC, one point per ${page.step >= 3600 ? `${page.step / 3600}h` : `${page.step / 60}m`}`);
    const types = page.metrics.find((m) => m.name === 'memory')?.series.map((s) => s.label).filter((l): l is string => l !== null) ?? [];
    if (types.length === 0) ctx.out.line('No instance samples in this window.');
    for (const type of types) {
      ctx.out.line();
      ctx.out.line(type);
      const limit = page.metrics.find((m) => m.name === 'memory-limit')?.series.find((s) => s.label === type)?.values.filter((v) => v !== null).at(-1);
      const rows = [
        rowOf(page, 'CPU', 'cpu', type),
        rowOf(page, 'Memory (RSS)', 'memory', type, { suffix: limit ? ` of ${formatBytes(limit)}` : '' }),
        rowOf(page, 'Restarts', 'restarts', type, { total: true }),
      ].filter((r): r is Row => r !== undefined);
      ctx.out.line(renderTable(rows, COLUMNS).trimEnd());
    }
    const router = [
      rowOf(page, 'Requests', 'requests', null, { total: true }),
      rowOf(page, '5xx', 'requests-5xx', null, { total: true }),
      rowOf(page, 'p95 latency', 'latency-p95', null),
    ].filter((r): r is Row => r !== undefined);
    ctx.out.line();
    ctx.out.line('router');
    if (router.length === 0) ctx.out.line('No requests in this window.');
    else ctx.out.line(renderTable(router, COLUMNS).trimEnd());
  },
});
