// Finding add-ons and attachments, and who may touch them: those holding the permission on the owning
// app, or on an app the add-on is attached to (as on Heroku); authorization.ts decides.
import type { Addon, AddonAttachment } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { AppPermission } from '../domain/app-permissions.js';
import type { App, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { Repos } from '../store/store.js';
import { permissionsOn, type AccessRepos } from './authorization.js';

export async function findAddon(repos: Pick<Repos, 'addons'>, ref: string): Promise<Addon> {
  const addon = looksLikeId(ref) ? await repos.addons.byId(ref.toLowerCase()) : await repos.addons.byName(ref.toLowerCase());
  if (!addon) throw new BerthError('addon_not_found', `Couldn't find that add-on: ${ref}.`, 'addon');
  return addon;
}

/**
 * The add-on, if the actor holds `permission` on its owning app or an app it is attached to. Seen but
 * without the permission is a 403 naming it; not seen at all answers as if it did not exist, so names
 * of others' add-ons do not leak.
 */
export async function addonForActor(repos: Pick<Repos, 'addons'> & AccessRepos, actor: User, ref: string, permission: AppPermission): Promise<Addon> {
  const addon = await findAddon(repos, ref);
  const appIds = [addon.appId, ...(await repos.addons.attachments({ addonId: addon.id })).map((a) => a.appId)];
  let seen = false;
  for (const appId of appIds) {
    const app = await repos.apps.byId(appId);
    const held = app ? await permissionsOn(repos, actor, app) : new Set<AppPermission>();
    if (held.has(permission)) return addon;
    seen ||= held.size > 0;
  }
  if (seen) throw new BerthError('forbidden', `You need the ${permission} permission on an app of ${addon.name} to do that.`, 'addon');
  throw new BerthError('addon_not_found', `Couldn't find that add-on: ${ref}.`, 'addon');
}

/** An add-on as seen from an app: by add-on id or name, or by the app's attachment name (`DATABASE`). */
export async function addonOfApp(repos: Pick<Repos, 'addons'>, app: App, ref: string): Promise<{ addon: Addon; attachment: AddonAttachment }> {
  const attachments = await repos.addons.attachments({ appId: app.id });
  const byName = attachments.find((a) => a.name === ref.toUpperCase() || a.id === ref);
  const addon = byName ? await repos.addons.byId(byName.addonId) : await repos.addons.byName(ref.toLowerCase()) ?? (looksLikeId(ref) ? await repos.addons.byId(ref) : undefined);
  const attachment = byName ?? attachments.find((a) => a.addonId === addon?.id);
  if (!addon || !attachment) throw new BerthError('addon_not_found', `Couldn't find an add-on ${ref} on ${app.name}.`, 'addon');
  return { addon, attachment };
}
