// Teams and their members (Heroku's /teams): a team owns apps; its admins manage it and everything
// on its apps; members see its apps and do what they were granted; viewers only look. Berth has no
// invitations: the platform admin adds users (`berth users:add`), and a team admin adds them to a team.
import { APP_PERMISSIONS, isSoleAdmin, isTeamRole, type TeamRole } from '../domain/app-permissions.js';
import { auditTeamEntry } from './audit-entry.js';
import { BerthError } from '../domain/errors.js';
import { validateTeamName } from '../domain/names.js';
import type { App, Team, TeamMember, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { Repos } from '../store/store.js';
import { findUser } from './accounts.js';
import type { ServiceDeps } from './service-deps.js';

const teamNotFound = (ref: string) => new BerthError('not_found', `Couldn't find the team ${ref}.`, 'team');

/** A team as the actor sees it: their role, or `admin` for the platform admin who is not a member. */
export interface TeamView { team: Team; role: TeamRole | null }

async function findTeam(repos: Pick<Repos, 'teams'>, ref: string): Promise<Team | undefined> {
  return (looksLikeId(ref) ? await repos.teams.byId(ref) : undefined) ?? repos.teams.byName(ref.toLowerCase());
}

/**
 * The team, if the actor belongs to it (or is the platform admin); `needAdmin` asks for the team admin
 * role. As with apps, a team the actor is not in is answered as if it did not exist.
 */
export async function teamForActor(repos: Pick<Repos, 'teams'>, actor: User, ref: string, needAdmin = false): Promise<TeamView> {
  const team = await findTeam(repos, ref);
  const role = team ? (await repos.teams.member(team.id, actor.id))?.role ?? null : null;
  if (!team || (!role && !actor.isAdmin)) throw teamNotFound(ref);
  if (needAdmin && role !== 'admin' && !actor.isAdmin) {
    throw new BerthError('forbidden', `Only an admin of the team ${team.name} can do that.`, 'team');
  }
  return { team, role };
}

/** The team an actor creates an app in or moves one into: its admins and members may, its viewers not. */
export async function teamTakingApps(repos: Pick<Repos, 'teams'>, actor: User, ref: string): Promise<TeamView> {
  const view = await teamForActor(repos, actor, ref);
  if (view.role === 'viewer' && !actor.isAdmin) {
    throw new BerthError('forbidden', `A viewer cannot bring apps into the team ${view.team.name}.`, 'team');
  }
  return view;
}

export async function createTeam(deps: ServiceDeps, actor: User, input: { name?: unknown }): Promise<TeamView> {
  const name = validateTeamName(input.name);
  const team = await deps.store.transaction(async (tx) => {
    const created = await tx.teams.create(name);
    await tx.teams.setMember(created.id, actor.id, 'admin');
    await tx.events.append(auditTeamEntry(actor, created.id, 'team-created', { name }));
    return created;
  });
  return { team, role: 'admin' };
}

/** The teams the actor belongs to; every team for the platform admin. */
export async function listTeams(deps: ServiceDeps, actor: User): Promise<TeamView[]> {
  const mine = await deps.store.teams.listForUser(actor.id);
  if (!actor.isAdmin) return mine;
  const roles = new Map(mine.map((m) => [m.team.id, m.role]));
  return (await deps.store.teams.list()).map((team) => ({ team, role: roles.get(team.id) ?? null }));
}

export const getTeam = (deps: ServiceDeps, actor: User, ref: string): Promise<TeamView> => teamForActor(deps.store, actor, ref);

export async function renameTeam(deps: ServiceDeps, actor: User, ref: string, input: { name?: unknown }): Promise<TeamView> {
  const { team, role } = await teamForActor(deps.store, actor, ref, true);
  if (input.name === undefined) return { team, role };
  const name = validateTeamName(input.name);
  const renamed = await deps.store.transaction(async (tx) => {
    const next = await tx.teams.rename(team.id, name);
    await tx.events.append(auditTeamEntry(actor, team.id, 'team-renamed', { from: team.name, to: name }));
    return next;
  });
  return { team: renamed, role };
}

/** Removes a team that owns no apps (transfer or destroy them first). */
export async function deleteTeam(deps: ServiceDeps, actor: User, ref: string): Promise<TeamView> {
  const view = await teamForActor(deps.store, actor, ref, true);
  const apps = await deps.store.apps.list({ teamId: view.team.id });
  if (apps.length > 0) {
    throw new BerthError('conflict', `The team ${view.team.name} still owns ${apps.length} app(s): ${apps.map((a) => a.name).join(', ')}. Transfer or destroy them first.`, 'team');
  }
  await deps.store.transaction(async (tx) => {
    await tx.teams.delete(view.team.id);
    await tx.events.append(auditTeamEntry(actor, view.team.id, 'team-deleted', { name: view.team.name }));
  });
  return view;
}

export interface MemberView { member: TeamMember; user: User }

async function withUsers(repos: Pick<Repos, 'users'>, members: TeamMember[]): Promise<MemberView[]> {
  const out: MemberView[] = [];
  for (const member of members) {
    const user = await repos.users.byId(member.userId);
    if (user) out.push({ member, user });
  }
  return out;
}

export async function listMembers(deps: ServiceDeps, actor: User, ref: string): Promise<{ team: Team; members: MemberView[] }> {
  const { team } = await teamForActor(deps.store, actor, ref);
  return { team, members: await withUsers(deps.store, await deps.store.teams.members(team.id)) };
}

function validateRole(role: unknown): TeamRole {
  if (!isTeamRole(role)) throw new BerthError('invalid_params', `Invalid role ${JSON.stringify(role)}: use admin, member or viewer.`, 'team_member');
  return role;
}

/** A team never loses its last admin: nobody could manage it any more. */
async function keepsAnAdmin(repos: Pick<Repos, 'teams'>, team: Team, userId: string, nextRole: TeamRole | null): Promise<void> {
  if (nextRole === 'admin') return;
  if (isSoleAdmin(await repos.teams.members(team.id), userId)) {
    throw new BerthError('invalid_params', `That would leave the team ${team.name} without an admin; make another member admin first.`, 'team_member');
  }
}

/** Adds a user to the team or changes their role (Heroku's PUT and PATCH /teams/{team}/members). */
export async function setMember(deps: ServiceDeps, actor: User, ref: string, input: { email?: unknown; user?: unknown; role?: unknown }, mode: 'add-or-set' | 'set'): Promise<MemberView> {
  const { team } = await teamForActor(deps.store, actor, ref, true);
  const role = validateRole(input.role);
  const who = input.email ?? input.user;
  if (typeof who !== 'string' || who === '') throw new BerthError('invalid_params', 'Name the user by email.', 'team_member');
  const user = await findUser(deps, who);
  const before = await deps.store.teams.member(team.id, user.id);
  if (mode === 'set' && !before) throw new BerthError('not_found', `${user.email} is not a member of the team ${team.name}.`, 'team_member');
  await keepsAnAdmin(deps.store, team, user.id, role);
  const member = await deps.store.transaction(async (tx) => {
    const next = await tx.teams.setMember(team.id, user.id, role);
    await tx.events.append(auditTeamEntry(actor, team.id, before ? 'team-member-changed' : 'team-member-added',
      { userId: user.id, email: user.email, role, ...(before ? { from: before.role } : {}) }));
    return next;
  });
  return { member, user };
}

/** Removes a member (a team admin, or the member themselves); their grants on the team's apps go too. */
export async function removeMember(deps: ServiceDeps, actor: User, ref: string, who: string): Promise<MemberView> {
  const user = await findUser(deps, who);
  const { team } = await teamForActor(deps.store, actor, ref, user.id !== actor.id);
  const member = await deps.store.teams.member(team.id, user.id);
  if (!member) throw new BerthError('not_found', `${user.email} is not a member of the team ${team.name}.`, 'team_member');
  await keepsAnAdmin(deps.store, team, user.id, null);
  await deps.store.transaction(async (tx) => {
    await tx.teams.removeMember(team.id, user.id);
    for (const app of await tx.apps.list({ teamId: team.id })) await tx.collaborators.remove(app.id, user.id);
    await tx.events.append(auditTeamEntry(actor, team.id, 'team-member-removed', { userId: user.id, email: user.email }));
  });
  return { member, user };
}

export async function listTeamApps(deps: ServiceDeps, actor: User, ref: string): Promise<{ team: Team; apps: App[] }> {
  const { team } = await teamForActor(deps.store, actor, ref);
  return { team, apps: await deps.store.apps.list({ teamId: team.id }) };
}

/** Everything a team admin holds on the team's apps (Heroku's GET /teams/permissions). */
export const TEAM_ADMIN_PERMISSIONS = APP_PERMISSIONS;
