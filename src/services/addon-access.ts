// Finding add-ons and attachments, and who may touch them: the users of the owning app, or of
// an app the add-on is attached to (as on Heroku).
import type { Addon, AddonAttachment } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { Repos } from '../store/store.js';

const mayUse = (actor: User, app: App | undefined) => !!app && (actor.isAdmin || app.ownerId === actor.id);

export async function findAddon(repos: Pick<Repos, 'addons'>, ref: string): Promise<Addon> {
  const addon = looksLikeId(ref) ? await repos.addons.byId(ref.toLowerCase()) : await repos.addons.byName(ref.toLowerCase());
  if (!addon) throw new BerthError('addon_not_found', `Couldn't find that add-on: ${ref}.`, 'addon');
  return addon;
}

/** The add-on, if the actor may use its owning app or an app it is attached to. */
export async function addonForActor(repos: Pick<Repos, 'addons' | 'apps'>, actor: User, ref: string): Promise<Addon> {
  const addon = await findAddon(repos, ref);
  if (mayUse(actor, await repos.apps.byId(addon.appId))) return addon;
  for (const a of await repos.addons.attachments({ addonId: addon.id })) {
    if (mayUse(actor, await repos.apps.byId(a.appId))) return addon;
  }
  // Not yours: answer as if it did not exist, so names of others' add-ons do not leak.
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
