// Who else works on an app (Heroku's /apps/{app}/collaborators and /teams/apps/{app}/collaborators):
// on a personal app a collaborator gets everything but manage; on a team app each collaborator
// (a member, or a user from outside the team) holds the permissions granted to them, view always.
import { APP_PERMISSIONS, isAppPermission, PERSONAL_COLLABORATOR_PERMISSIONS, type AppPermission } from '../domain/app-permissions.js';
import { auditEntry } from './audit-entry.js';
import { BerthError } from '../domain/errors.js';
import type { App, AppCollaborator, User } from '../domain/types.js';
import { findUser } from './accounts.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';

/** One line of `access`: the owner, a team admin, or a collaborator, with what they may do. */
export interface AccessEntry {
  user: User;
  role: 'owner' | 'admin' | 'member' | 'viewer' | 'collaborator';
  permissions: AppPermission[];
  since: string;
}

export async function listCollaborators(deps: ServiceDeps, actor: User, appRef: string): Promise<{ app: App; entries: AccessEntry[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const entries: AccessEntry[] = [];
  if (!app.teamId) {
    const owner = await deps.store.users.byId(app.ownerId);
    if (owner) entries.push({ user: owner, role: 'owner', permissions: [...APP_PERMISSIONS], since: app.createdAt });
  } else {
    // The team's admins may do everything on its apps; Heroku lists them with the collaborators.
    for (const m of await deps.store.teams.members(app.teamId)) {
      const user = m.role === 'admin' ? await deps.store.users.byId(m.userId) : undefined;
      if (user) entries.push({ user, role: 'admin', permissions: [...APP_PERMISSIONS], since: m.createdAt });
    }
  }
  const listed = new Set(entries.map((e) => e.user.id));
  for (const c of await deps.store.collaborators.list(app.id)) {
    const user = listed.has(c.userId) ? undefined : await deps.store.users.byId(c.userId);
    if (!user) continue;
    const role = app.teamId ? (await deps.store.teams.member(app.teamId, user.id))?.role ?? 'collaborator' : 'collaborator';
    entries.push({ user, role, permissions: role === 'viewer' ? ['view'] : c.permissions, since: c.createdAt });
  }
  return { app, entries };
}

/** `view` plus what was asked, in Heroku's order; a personal app's collaborators get the fixed set. */
function permissionsFor(app: App, requested: unknown): AppPermission[] {
  if (!app.teamId) {
    if (requested !== undefined && requested !== null) {
      throw new BerthError('invalid_params', `Permissions are for team apps; a collaborator on ${app.name} may ${PERSONAL_COLLABORATOR_PERMISSIONS.join(', ')}.`, 'collaborator');
    }
    return [...PERSONAL_COLLABORATOR_PERMISSIONS];
  }
  const list = requested === undefined || requested === null ? [] : requested;
  if (!Array.isArray(list) || !list.every((p) => isAppPermission(p) || (typeof p === 'object' && p !== null && isAppPermission((p as { name?: unknown }).name)))) {
    throw new BerthError('invalid_params', `Permissions must be a list of ${APP_PERMISSIONS.join(', ')}.`, 'collaborator');
  }
  const names = new Set<AppPermission>(['view', ...list.map((p): AppPermission => (typeof p === 'string' ? p as AppPermission : (p as { name: AppPermission }).name))]);
  return APP_PERMISSIONS.filter((p) => names.has(p));
}

/** Adds a user to the app, or (`mode: 'update'`) changes what an existing collaborator may do. */
export async function setCollaborator(deps: ServiceDeps, actor: User, appRef: string, input: { user?: unknown; permissions?: unknown }, mode: 'add' | 'update'): Promise<{ app: App; entry: AccessEntry }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  if (typeof input.user !== 'string' || input.user === '') throw new BerthError('invalid_params', 'Name the user by email.', 'collaborator');
  const user = await findUser(deps, input.user);
  if (!app.teamId && user.id === app.ownerId) throw new BerthError('invalid_params', `${user.email} owns ${app.name} already.`, 'collaborator');
  if (mode === 'update' && !app.teamId) throw new BerthError('invalid_params', `${app.name} is a personal app; its collaborators' permissions are fixed.`, 'collaborator');
  const before = await deps.store.collaborators.get(app.id, user.id);
  if (mode === 'update' && !before) throw new BerthError('not_found', `${user.email} is not a collaborator on ${app.name}.`, 'collaborator');
  if (mode === 'add' && before) throw new BerthError('conflict', `${user.email} is already a collaborator on ${app.name}.`, 'collaborator');
  const permissions = permissionsFor(app, input.permissions);
  const saved: AppCollaborator = await deps.store.transaction(async (tx) => {
    const next = await tx.collaborators.set(app.id, user.id, permissions);
    await tx.events.append(auditEntry(actor, app, before ? 'collaborator-changed' : 'collaborator-added',
      { userId: user.id, email: user.email, permissions, ...(before ? { from: before.permissions } : {}) }));
    return next;
  });
  return { app, entry: { user, role: 'collaborator', permissions: saved.permissions, since: saved.createdAt } };
}

/** Removes a collaborator: someone who may manage the app, or the collaborator leaving on their own. */
export async function removeCollaborator(deps: ServiceDeps, actor: User, appRef: string, who: string): Promise<{ app: App; entry: AccessEntry }> {
  const user = await findUser(deps, who);
  const app = await authorize(deps.store, actor, appRef, user.id === actor.id ? 'view' : 'manage');
  const before = await deps.store.collaborators.get(app.id, user.id);
  if (!before) throw new BerthError('not_found', `${user.email} is not a collaborator on ${app.name}.`, 'collaborator');
  await deps.store.transaction(async (tx) => {
    await tx.collaborators.remove(app.id, user.id);
    await tx.events.append(auditEntry(actor, app, 'collaborator-removed', { userId: user.id, email: user.email }));
  });
  return { app, entry: { user, role: 'collaborator', permissions: before.permissions, since: before.createdAt } };
}
