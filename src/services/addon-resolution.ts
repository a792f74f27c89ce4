// Heroku's add-on resolvers and account-wide lists, as the stock heroku CLI uses them:
// `POST /actions/addons/resolve`, `POST /actions/addon-attachments/resolve`, `GET /addons`,
// `GET /addon-attachments`. A resolver answers a list (the CLI picks one and reports ambiguity);
// nothing found is a 404 whose `resource` is Heroku's (`add_on`, `add_on attachment`), because the
// CLI falls back to a global lookup only on exactly that.
import type { Addon, AddonAttachment } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { AddonDeps } from './addon-deps.js';
import { authorize, visibleApps } from './authorization.js';
import { findAddon } from './addon-access.js';

export interface AttachmentView {
  attachment: AddonAttachment;
  addon: Addon;
  /** The app the attachment puts the config var on. */
  app: App;
}

/** Heroku's service names, so a client filtering by `heroku-postgresql` finds Berth's `postgresql`. */
const SERVICE_ALIASES: Readonly<Record<string, string>> = { 'heroku-postgresql': 'postgresql', 'heroku-redis': 'redis' };
const serviceMatches = (addon: Addon, service: unknown) =>
  typeof service !== 'string' || service === '' || addon.service === (SERVICE_ALIASES[service] ?? service);

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The apps the actor may see. */
async function usableApps(deps: AddonDeps, actor: User): Promise<App[]> {
  return visibleApps(deps.store, actor);
}

/** Every attachment on an app the actor may use, oldest app name first. */
export async function listAccessibleAttachments(deps: AddonDeps, actor: User): Promise<AttachmentView[]> {
  const views: AttachmentView[] = [];
  for (const app of await usableApps(deps, actor)) {
    for (const attachment of await deps.store.addons.attachments({ appId: app.id })) {
      const addon = await deps.store.addons.byId(attachment.addonId);
      if (addon) views.push({ attachment, addon, app });
    }
  }
  return views;
}

/** Every add-on owned by, or attached to, an app the actor may use. */
export async function listAccessibleAddons(deps: AddonDeps, actor: User): Promise<Addon[]> {
  const appIds = new Set((await usableApps(deps, actor)).map((a) => a.id));
  const attachedTo = new Set((await listAccessibleAttachments(deps, actor)).map((v) => v.addon.id));
  return (await deps.store.addons.list()).filter((a) => appIds.has(a.appId) || attachedTo.has(a.id));
}

/** The attachments of one add-on the actor may see (those on apps they may use). */
export async function attachmentsOfAddon(deps: AddonDeps, actor: User, ref: string): Promise<AttachmentView[]> {
  const addon = await findAddon(deps.store, ref);
  const views = (await listAccessibleAttachments(deps, actor)).filter((v) => v.addon.id === addon.id);
  if (views.length === 0 && !(await listAccessibleAddons(deps, actor)).some((a) => a.id === addon.id)) {
    throw new BerthError('addon_not_found', `Couldn't find that add-on: ${ref}.`, 'add_on');
  }
  return views;
}

/** `app::NAME` names an attachment on that app, as in `heroku pg:info other-app::DATABASE`. */
function splitAppRef(ref: string, app: unknown): { app: string; ref: string } {
  const i = ref.indexOf('::');
  return i > 0 ? { app: ref.slice(0, i), ref: ref.slice(i + 2) } : { app: text(app), ref };
}

/**
 * Add-ons matching `addon` (id, name, or with `app` an attachment name or its config var such as
 * `DATABASE_URL`), optionally of one service. Never empty: none is `addon_not_found`.
 */
export async function resolveAddons(deps: AddonDeps, actor: User, input: { addon?: unknown; app?: unknown; addon_service?: unknown }): Promise<Addon[]> {
  const { app: appRef, ref } = splitAppRef(text(input.addon), input.app);
  const notFound = new BerthError('addon_not_found', "Couldn't find that add-on.", 'add_on');
  if (!ref) throw notFound;
  let found: Addon[];
  if (appRef) {
    const app = await authorize(deps.store, actor, appRef, 'view');
    const onApp = await attachmentsMatching(deps, app, ref);
    const ids = new Set(onApp.map((v) => v.addon.id));
    found = [...onApp.map((v) => v.addon).filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i)];
    for (const addon of await deps.store.addons.list({ appId: app.id })) {
      if (!ids.has(addon.id) && (addon.name === ref.toLowerCase() || addon.id === ref.toLowerCase())) found.push(addon);
    }
  } else {
    const accessible = await listAccessibleAddons(deps, actor);
    found = accessible.filter((a) => a.name === ref.toLowerCase() || a.id === ref.toLowerCase());
  }
  found = found.filter((a) => serviceMatches(a, input.addon_service));
  if (found.length === 0) throw notFound;
  return found;
}

/** An app's attachments named `ref`: attachment name, its config var, attachment id, or the add-on's name/id. */
async function attachmentsMatching(deps: AddonDeps, app: App, ref: string): Promise<AttachmentView[]> {
  const upper = ref.toUpperCase().replace(/_URL$/, '');
  const lower = ref.toLowerCase();
  const views: AttachmentView[] = [];
  for (const attachment of await deps.store.addons.attachments({ appId: app.id })) {
    const addon = await deps.store.addons.byId(attachment.addonId);
    if (!addon) continue;
    if (attachment.name === upper || attachment.id === lower || addon.name === lower || addon.id === lower) views.push({ attachment, addon, app });
  }
  return views;
}

/**
 * Attachments matching `addon_attachment` on `app` (or `app::NAME`, or an attachment id alone),
 * optionally of one service. Never empty: none is `addon_attachment_not_found`.
 */
export async function resolveAttachments(deps: AddonDeps, actor: User, input: { addon_attachment?: unknown; app?: unknown; addon_service?: unknown }): Promise<AttachmentView[]> {
  const { app: appRef, ref } = splitAppRef(text(input.addon_attachment), input.app);
  const notFound = new BerthError('addon_attachment_not_found', "Couldn't find that add-on attachment.", 'add_on attachment');
  if (!ref) throw notFound;
  let found: AttachmentView[];
  if (appRef) {
    found = await attachmentsMatching(deps, await authorize(deps.store, actor, appRef, 'view'), ref);
  } else {
    found = looksLikeId(ref) ? (await listAccessibleAttachments(deps, actor)).filter((v) => v.attachment.id === ref.toLowerCase()) : [];
  }
  found = found.filter((v) => serviceMatches(v.addon, input.addon_service));
  if (found.length === 0) throw notFound;
  return found;
}
