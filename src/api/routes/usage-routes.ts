// Metering's endpoints: the price list (`GET /prices`, admin `PATCH /prices`), a month's rated usage
// (`GET /usage?app=|team=&month=`), a team's invoices (`GET /teams/{team}/invoices`, Heroku's path)
// and its quotas (`GET`/admin `PATCH /teams/{team}/quotas`). Parsing and presenting only; the rules
// are in services/usage.ts, prices.ts and team-quotas.ts.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import type { UsageLine } from '../../domain/usage-rating.js';
import type { TeamQuota } from '../../store/billing-repo.js';
import { listPrices, setPrices, type PriceItem } from '../../services/prices.js';
import type { TeamLookup } from '../../services/team-lookup.js';
import { getTeamQuota, setTeamQuota, type TeamUse } from '../../services/team-quotas.js';
import { teamInvoices, usageReport, type Invoice } from '../../services/usage.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export interface UsageRoutesDeps {
  teams: TeamLookup;
  /** The add-on plans that can carry a price. */
  plans: readonly string[];
}

type Query = Record<string, string | undefined>;

const oneString = (q: Query, key: string): string | undefined => {
  const v = q[key];
  if (v !== undefined && (typeof v !== 'string' || v === '')) throw new BerthError('bad_request', `${key} must be given once, as text.`, 'usage');
  return v;
};

export function usageRoutes(d: UsageRoutesDeps) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps = { store: ctx.store, clock: ctx.clock, teams: d.teams };

    app.get('/prices', async () => (await listPrices(ctx.store, d.plans)).map(priceJson));

    app.patch<{ Body: { prices?: unknown } | undefined }>('/prices', async (req) =>
      (await setPrices(ctx.store, actorOf(req), d.plans, req.body?.prices)).map(priceJson));

    app.get<{ Querystring: Query }>('/usage', async (req) => {
      const q = req.query;
      const report = await usageReport(deps, actorOf(req), { app: oneString(q, 'app'), team: oneString(q, 'team'), month: oneString(q, 'month') });
      return { month: report.month, scope: report.scope, period_start: report.from, period_end: report.to, lines: report.lines.map(lineJson), total: report.total };
    });

    app.get<{ Params: { team: string } }>('/teams/:team/invoices', async (req) =>
      (await teamInvoices(deps, actorOf(req), req.params.team)).map((i) => invoiceJson(req.params.team, i)));

    app.get<{ Params: { team: string } }>('/teams/:team/quotas', async (req) => quotaJson(req.params.team, await getTeamQuota(deps, actorOf(req), req.params.team)));

    app.patch<{ Params: { team: string }; Body: unknown }>('/teams/:team/quotas', async (req) =>
      quotaJson(req.params.team, await setTeamQuota(deps, actorOf(req), req.params.team, req.body)));
  };
}

const priceJson = (p: PriceItem) => ({ item: p.item, kind: p.kind, unit: p.unit, price: p.price });

const lineJson = (l: UsageLine) => ({
  app: { id: l.appId, name: l.appName }, kind: l.kind, item: l.item, process_type: l.processType,
  quantity: l.quantity, unit: l.unit, unit_price: l.unitPrice, price_unit: l.priceUnit, amount: l.amount,
});

/** Heroku's Invoice fields (amounts in the operator's currency, not cents); `state` says whether the month is over. */
const invoiceJson = (team: string, i: Invoice) => ({
  id: `${team}-${i.month}`, number: Number(i.month.replace('-', '')), period_start: i.periodStart.slice(0, 10), period_end: i.periodEnd.slice(0, 10),
  charges_total: i.total, credits_total: 0, total: i.total, state: i.open ? 'open' : 'closed', month: i.month,
});

const quotaJson = (team: string, q: { quota: TeamQuota; use: TeamUse }) => ({
  team: { name: team },
  max_instances: q.quota.maxInstances, max_memory_mb: q.quota.maxMemoryMb, max_addons: q.quota.maxAddons,
  use: { instances: q.use.instances, memory_mb: q.use.memoryMb, addons: q.use.addons },
});
