// Quotas per team: the most instances, memory (MB, by the instances' sizes) and add-ons its apps may
// have together. A scale or an add-on that would go over is refused (422 naming the limit and the
// current use) before anything changes; what already runs is never touched, even when a quota is
// lowered below it. Set by the platform admin; read by the team's admins too.
import { BerthError } from '../domain/errors.js';
import { DEFAULT_SIZE, findSize } from '../domain/sizes.js';
import type { App, User } from '../domain/types.js';
import type { TeamQuota } from '../store/billing-repo.js';
import type { Repos, Store } from '../store/store.js';
import { appsOfAdministeredTeam, type TeamLookup } from './team-lookup.js';

export interface QuotaDeps {
  store: Store;
  teams: TeamLookup;
}

export interface TeamUse {
  instances: number;
  memoryMb: number;
  addons: number;
}

export async function getTeamQuota(deps: QuotaDeps, actor: User, team: string): Promise<{ quota: TeamQuota; use: TeamUse }> {
  const apps = await appsOfAdministeredTeam(deps.teams, actor, team, 'quotas');
  return { quota: await deps.store.billing.quota(team), use: await teamUse(deps.store, apps) };
}

export async function setTeamQuota(deps: QuotaDeps, actor: User, team: string, input: unknown): Promise<{ quota: TeamQuota; use: TeamUse }> {
  if (!actor.isAdmin) throw new BerthError('forbidden', 'Only the Berth admin can set quotas.', 'team');
  const apps = await deps.teams.appsOfTeam(team);
  if (!apps) throw new BerthError('not_found', `Couldn't find the team ${team}.`, 'team');
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const limit = (key: string, current: number | null): number | null => {
    if (!(key in body)) return current;
    const v = body[key];
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BerthError('invalid_params', `${key} must be a whole number of at least 0, or null for no limit.`, 'team');
    return v;
  };
  const old = await deps.store.billing.quota(team);
  const quota = await deps.store.billing.setQuota(team, {
    maxInstances: limit('max_instances', old.maxInstances), maxMemoryMb: limit('max_memory_mb', old.maxMemoryMb), maxAddons: limit('max_addons', old.maxAddons),
  });
  return { quota, use: await teamUse(deps.store, apps) };
}

/** What the team's apps have now: instances and memory by their formation, add-ons they own. */
export async function teamUse(repos: Pick<Repos, 'formation' | 'addons'>, apps: readonly App[]): Promise<TeamUse> {
  const use: TeamUse = { instances: 0, memoryMb: 0, addons: 0 };
  for (const app of apps) {
    for (const f of await repos.formation.list(app.id)) {
      use.instances += f.quantity;
      use.memoryMb += f.quantity * (findSize(f.size) ?? findSize(DEFAULT_SIZE)!).memoryMb;
    }
    use.addons += (await repos.addons.list({ appId: app.id })).length;
  }
  return use;
}

/**
 * Called inside the scale's transaction, after its writes: refuses (and so rolls back) a formation
 * that takes the app's team over its instance or memory quota. A change that does not add to what
 * the team uses (scaling down while over a lowered quota) is allowed.
 */
export async function checkFormationQuota(teams: TeamLookup, tx: Repos, app: App, before: TeamUse | undefined): Promise<void> {
  const team = await teams.teamOfApp(app.id);
  if (!team || !before) return;
  const quota = await tx.billing.quota(team);
  const after = await teamUse(tx, (await teams.appsOfTeam(team)) ?? [app]);
  if (quota.maxInstances !== null && after.instances > quota.maxInstances && after.instances > before.instances) {
    throw new BerthError('over_team_quota', `The team ${team} may run at most ${quota.maxInstances} instances; it runs ${before.instances}, and this change would make it ${after.instances}.`, 'formation');
  }
  if (quota.maxMemoryMb !== null && after.memoryMb > quota.maxMemoryMb && after.memoryMb > before.memoryMb) {
    throw new BerthError('over_team_quota', `The team ${team} may use at most ${quota.maxMemoryMb} MB of instance memory; it uses ${before.memoryMb} MB, and this change would make it ${after.memoryMb} MB.`, 'formation');
  }
}

/** The team's use before a change, or undefined for an app in no team (no quota applies). */
export async function teamUseOfApp(teams: TeamLookup, repos: Pick<Repos, 'formation' | 'addons'>, app: App): Promise<TeamUse | undefined> {
  const team = await teams.teamOfApp(app.id);
  return team ? teamUse(repos, (await teams.appsOfTeam(team)) ?? [app]) : undefined;
}

/** Refuses a new add-on for an app whose team already has as many as its quota allows. */
export async function checkAddonQuota(teams: TeamLookup, store: Store, app: App): Promise<void> {
  const team = await teams.teamOfApp(app.id);
  if (!team) return;
  const { maxAddons } = await store.billing.quota(team);
  if (maxAddons === null) return;
  const { addons } = await teamUse(store, (await teams.appsOfTeam(team)) ?? [app]);
  if (addons + 1 > maxAddons) throw new BerthError('over_team_quota', `The team ${team} may have at most ${maxAddons} add-ons; it has ${addons}.`, 'addon');
}
