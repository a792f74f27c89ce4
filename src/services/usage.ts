// `berth usage` and `GET /teams/{team}/invoices`: a month's rated usage of one app, one team or the
// actor's own apps. Who may read what: an app's usage whoever may use the app; a team's its admins
// and the platform admin; without either, the actor's own apps (those they own).
import { BerthError } from '../domain/errors.js';
import type { Id, User } from '../domain/types.js';
import { monthOf, monthWindow, rateUsage, type RatedUsage } from '../domain/usage-rating.js';
import type { Clock } from '../platform/clock.js';
import type { Store } from '../store/store.js';
import type { UsageFilter } from '../store/usage-repo.js';
import { authorize } from './authorization.js';
import { appsOfAdministeredTeam, type TeamLookup } from './team-lookup.js';

export interface UsageDeps {
  store: Store;
  clock: Clock;
  teams: TeamLookup;
}

export interface UsageReport extends RatedUsage {
  month: string;
  from: string;
  to: string;
  /** What the report covers: `app NAME`, `team NAME` or `user EMAIL`. */
  scope: string;
}

export interface UsageQuery {
  app?: string;
  team?: string;
  /** `2026-11`; default: the current month (UTC). */
  month?: string;
}

export async function usageReport(deps: UsageDeps, actor: User, q: UsageQuery): Promise<UsageReport> {
  if (q.app && q.team) throw new BerthError('invalid_params', 'Ask for the usage of an app or of a team, not both.', 'usage');
  const month = q.month ?? monthOf(deps.clock.now());
  const { filter, scope } = await scopeOf(deps, actor, q);
  return { month, scope, ...(await rate(deps, filter, month)) };
}

export interface Invoice {
  month: string;
  periodStart: string;
  periodEnd: string;
  total: number;
  /** The month still runs: its total grows until it ends. */
  open: boolean;
}

/** One invoice per month, from the month of the team's first usage to the current one; oldest first. */
export async function teamInvoices(deps: UsageDeps, actor: User, team: string): Promise<Invoice[]> {
  const { filter } = await scopeOf(deps, actor, { team });
  const now = deps.clock.now();
  const current = monthOf(now);
  const first = (await deps.store.usage.overlapping(new Date(0).toISOString(), new Date(now).toISOString(), filter))
    .reduce((min, i) => (i.startedAt < min ? i.startedAt : min), new Date(now).toISOString());
  const invoices: Invoice[] = [];
  for (let month = monthOf(Date.parse(first)); month <= current; month = nextMonth(month)) {
    const rated = await rate(deps, filter, month);
    invoices.push({ month, periodStart: rated.from, periodEnd: rated.to, total: rated.total, open: month === current });
  }
  return invoices;
}

const nextMonth = (month: string): string => monthOf(Date.parse(monthWindow(month).to));

async function rate(deps: UsageDeps, filter: UsageFilter, month: string): Promise<RatedUsage & { from: string; to: string }> {
  const { from, to } = monthWindow(month);
  const [intervals, routerBytes, prices] = await Promise.all([
    deps.store.usage.overlapping(from, to, filter), deps.store.usage.routerBytes(from, to, filter), deps.store.billing.prices(),
  ]);
  return { from, to, ...rateUsage({ intervals, routerBytes, prices, from, to, now: deps.clock.now() }) };
}

async function scopeOf(deps: UsageDeps, actor: User, q: UsageQuery): Promise<{ filter: UsageFilter; scope: string }> {
  if (q.app) {
    const app = await authorize(deps.store, actor, q.app, 'view');
    return { filter: { appIds: [app.id] }, scope: `app ${app.name}` };
  }
  if (q.team) return { filter: { teamId: await administeredTeamId(deps, actor, q.team) }, scope: `team ${q.team}` };
  return { filter: { ownerId: actor.id }, scope: `user ${actor.email}` };
}

/**
 * The team's id, for its admins and the platform admin; no such team (or none visible) is not_found.
 * A team's usage is what was recorded for it, whatever became of the apps since.
 */
async function administeredTeamId(deps: UsageDeps, actor: User, team: string): Promise<Id> {
  await appsOfAdministeredTeam(deps.teams, actor, team, 'usage and invoices');
  const id = await deps.teams.idOf(team);
  if (!id) throw new BerthError('not_found', `Couldn't find the team ${team}.`, 'team');
  return id;
}
