// Who may do what: the one permission check of the platform. Every use case that touches an app asks
// `authorize(actor, app, permission)`; routes never decide. No access at all answers as if the app did
// not exist (404), so names of others' apps do not leak; access without the permission is a 403 that
// names the permission. The rule itself is domain/app-permissions.ts; this file gathers its facts.
import { permissionsFrom, type AppPermission } from '../domain/app-permissions.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { Repos } from '../store/store.js';

export type AccessRepos = Pick<Repos, 'apps' | 'teams' | 'collaborators'>;

const appNotFound = () => new BerthError('app_not_found', "Couldn't find that app.", 'app');

/** The app by id or name, whoever asks; callers outside this file go through authorize(). */
async function findApp(repos: Pick<Repos, 'apps'>, idOrName: string): Promise<App | undefined> {
  return looksLikeId(idOrName) ? repos.apps.byId(idOrName) : repos.apps.byName(idOrName.toLowerCase());
}

/** Everything the actor may do on the app; empty when they may not even see it. */
export async function permissionsOn(repos: AccessRepos, actor: User, app: App): Promise<Set<AppPermission>> {
  if (actor.isAdmin) return permissionsFrom({ platformAdmin: true, personalOwner: false, teamApp: app.teamId !== null });
  const teamRole = app.teamId ? (await repos.teams.member(app.teamId, actor.id))?.role : undefined;
  const granted = (await repos.collaborators.get(app.id, actor.id))?.permissions;
  return permissionsFrom({
    platformAdmin: false,
    personalOwner: app.teamId === null && app.ownerId === actor.id,
    teamApp: app.teamId !== null,
    ...(teamRole ? { teamRole } : {}),
    ...(granted ? { granted } : {}),
  });
}

/**
 * Finds an app by id or name and checks that the actor holds `permission` on it.
 * Throws app_not_found (404) when the actor has no access at all, forbidden (403) when they lack this one.
 */
export async function authorize(repos: AccessRepos, actor: User, idOrName: string, permission: AppPermission): Promise<App> {
  const app = await findApp(repos, idOrName);
  if (!app) throw appNotFound();
  const held = await permissionsOn(repos, actor, app);
  if (held.size === 0) throw appNotFound();
  if (!held.has(permission)) {
    throw new BerthError('forbidden', `You need the ${permission} permission on ${app.name} to do that.`, 'app');
  }
  return app;
}

/** Whether the actor holds the permission, for code that chooses rather than refuses (lists, sources). */
export async function holds(repos: AccessRepos, actor: User, app: App, permission: AppPermission): Promise<boolean> {
  return (await permissionsOn(repos, actor, app)).has(permission);
}

/** The apps the actor can see: every app for the platform admin. */
export async function visibleApps(repos: AccessRepos, actor: User): Promise<App[]> {
  return actor.isAdmin ? repos.apps.list() : repos.apps.listReachable(actor.id);
}

export function requireAdmin(actor: User, what = 'manage users'): void {
  if (!actor.isAdmin) throw new BerthError('forbidden', `Only the Berth admin can ${what}.`, 'user');
}
