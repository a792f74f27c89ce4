// The narrow port through which metering reads teams (usage --team, invoices, quotas). The teams
// store owns the facts; until it is wired in main/, `noTeams` answers that no app is in a team,
// so per-team usage finds no team and no team quota applies.
import type { App, Id } from '../domain/types.js';

export interface TeamLookup {
  /** The name of the team the app belongs to, or undefined for a personal app. */
  teamOfApp(appId: Id): Promise<string | undefined>;
  /** The team's apps, or undefined when there is no such team. */
  appsOfTeam(team: string): Promise<App[] | undefined>;
  /** Whether the user administers the team (may read its bills). */
  isTeamAdmin(userId: Id, team: string): Promise<boolean>;
}

export const noTeams: TeamLookup = {
  teamOfApp: async () => undefined,
  appsOfTeam: async () => undefined,
  isTeamAdmin: async () => false,
};
