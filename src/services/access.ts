// Who may touch what: a user reaches their own apps; the admin reaches every app.
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { Repos } from '../store/store.js';

/** Finds an app by id or name and checks that the actor may use it. */
export async function appForActor(repos: Pick<Repos, 'apps'>, actor: User, idOrName: string): Promise<App> {
  const app = looksLikeId(idOrName) ? await repos.apps.byId(idOrName) : await repos.apps.byName(idOrName.toLowerCase());
  if (!app) throw new BerthError('app_not_found', "Couldn't find that app.", 'app');
  if (app.ownerId !== actor.id && !actor.isAdmin) {
    throw new BerthError('forbidden', `You do not have access to the app ${app.name}.`, 'app');
  }
  return app;
}

export function requireAdmin(actor: User): void {
  if (!actor.isAdmin) throw new BerthError('forbidden', 'Only the Berth admin can manage users.', 'user');
}
