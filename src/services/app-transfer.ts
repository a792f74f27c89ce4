// apps:transfer (Heroku's PATCH /teams/apps/{app} {owner}): moves an app to a team or to a user.
// It needs `manage` on the app; moving it into a team also needs a place in that team (admin or
// member: a viewer cannot bring apps). As on Heroku, an app leaving a team loses its collaborators.
// A personal app's collaborators stay when it moves into a team, with the permissions they had.
import { APP_PERMISSIONS } from '../domain/app-permissions.js';
import { auditEntry } from './audit-entry.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { findUser } from './accounts.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';
import { teamTakingApps } from './teams.js';

export async function transferApp(deps: ServiceDeps, actor: User, appRef: string, input: { owner?: unknown }): Promise<App> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  if (typeof input.owner !== 'string' || input.owner === '') {
    throw new BerthError('invalid_params', 'Name the new owner: a team name or a user email.', 'app');
  }
  if (input.owner.includes('@')) {
    const user = await findUser(deps, input.owner);
    if (app.teamId === null && app.ownerId === user.id) return app;
    return moved(deps, actor, app, { ownerId: user.id, teamId: null }, { to: user.email }, app.teamId !== null);
  }
  const { team, role } = await teamTakingApps(deps.store, actor, input.owner);
  if (app.teamId === team.id) return app;
  // A member who brings an app keeps every permission on it, as one who creates it there gets.
  const keep = role === 'member' ? actor : undefined;
  return moved(deps, actor, app, { ownerId: actor.id, teamId: team.id }, { to: team.name }, false, keep);
}

async function moved(deps: ServiceDeps, actor: User, app: App, owner: Pick<App, 'ownerId' | 'teamId'>, data: Record<string, unknown>, dropCollaborators: boolean, fullGrant?: User): Promise<App> {
  return deps.store.transaction(async (tx) => {
    const next = await tx.apps.update(app.id, owner);
    if (dropCollaborators) await tx.collaborators.removeAll(app.id);
    // A collaborator who receives the app owns it now: no grant beside the ownership.
    if (owner.teamId === null) await tx.collaborators.remove(app.id, owner.ownerId);
    if (fullGrant) await tx.collaborators.set(app.id, fullGrant.id, [...APP_PERMISSIONS]);
    await tx.events.append(auditEntry(actor, next, 'app-transferred', { fromOwner: app.ownerId, fromTeam: app.teamId, ...data }));
    return next;
  });
}
