// The narrow port through which metering reads teams (usage --team, invoices, quotas). The teams
// store owns the facts (`storeTeams`); `noTeams`, for tests, answers that no app is in a team.
import type { TeamRole } from '../domain/app-permissions.js';
import { BerthError } from '../domain/errors.js';
import type { App, Id, User } from '../domain/types.js';
import type { Repos } from '../store/store.js';

export interface TeamLookup {
  /** The name of the team the app belongs to, or undefined for a personal app. */
  teamOfApp(appId: Id): Promise<string | undefined>;
  /** The team's apps, or undefined when there is no such team. */
  appsOfTeam(team: string): Promise<App[] | undefined>;
  /** The team's id, or undefined when there is no such team. */
  idOf(team: string): Promise<Id | undefined>;
  /** The user's role in the team, or undefined when they are not in it. */
  roleOf(userId: Id, team: string): Promise<TeamRole | undefined>;
}

/**
 * The team's apps, for its admins and the platform admin (a team's bills and quotas are theirs).
 * Someone outside the team is told there is no such team, as every team endpoint does; a member
 * who is not an admin is refused, 403.
 */
export async function appsOfAdministeredTeam(teams: TeamLookup, actor: User, team: string, what: string): Promise<App[]> {
  const apps = await teams.appsOfTeam(team);
  const role = apps && !actor.isAdmin ? await teams.roleOf(actor.id, team) : undefined;
  if (!apps || (!actor.isAdmin && role === undefined)) throw new BerthError('not_found', `Couldn't find the team ${team}.`, 'team');
  if (!actor.isAdmin && role !== 'admin') throw new BerthError('forbidden', `Only the admins of the team ${team} can read its ${what}.`, 'team');
  return apps;
}

export const noTeams: TeamLookup = {
  teamOfApp: async () => undefined,
  appsOfTeam: async () => undefined,
  idOf: async () => undefined,
  roleOf: async () => undefined,
};

/** The teams as the store keeps them: a team is named by its name, as the CLI and API name it. */
export function storeTeams(repos: Pick<Repos, 'apps' | 'teams'>): TeamLookup {
  const byName = (team: string) => repos.teams.byName(team.trim().toLowerCase());
  return {
    teamOfApp: async (appId) => {
      const teamId = (await repos.apps.byId(appId))?.teamId;
      return teamId ? (await repos.teams.byId(teamId))?.name : undefined;
    },
    appsOfTeam: async (team) => {
      const found = await byName(team);
      return found ? repos.apps.list({ teamId: found.id }) : undefined;
    },
    idOf: async (team) => (await byName(team))?.id,
    roleOf: async (userId, team) => {
      const found = await byName(team);
      return found ? (await repos.teams.member(found.id, userId))?.role : undefined;
    },
  };
}
