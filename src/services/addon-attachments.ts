// Attachments: an add-on bound to an app through the config var `<NAME>_URL`. Attaching and
// detaching each make a release (Heroku's "Attach DATABASE (@ref:…)") and restart the app.
import { ATTACHMENT_NAME, type Addon, type AddonAttachment } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { App, Release, User } from '../domain/types.js';
import type { Repos } from '../store/store.js';
import type { AddonDeps } from './addon-deps.js';
import { addonForActor } from './addon-access.js';
import { authorize } from './authorization.js';
import type { ReleaseInput } from './release-owner.js';
import { auditEntry } from './audit-entry.js';

export const configVarOf = (attachmentName: string): string => `${attachmentName}_URL`;

/** An explicit name must be free; the default (`DATABASE`) falls back to `DATABASE_2`, `_3`… */
export async function chooseAttachmentName(repos: Pick<Repos, 'addons' | 'config'>, app: App, requested: unknown, fallback: string): Promise<string> {
  const taken = new Set((await repos.addons.attachments({ appId: app.id })).map((a) => a.name));
  const vars = await repos.config.get(app.id);
  const free = (n: string) => !taken.has(n) && !(configVarOf(n) in vars);
  if (requested !== undefined && requested !== null && requested !== '') {
    const name = typeof requested === 'string' ? requested.toUpperCase().replace(/-/g, '_') : '';
    if (!ATTACHMENT_NAME.test(name)) {
      throw new BerthError('invalid_params', `Attachment name ${JSON.stringify(requested)} is invalid: use letters, digits and underscores, starting with a letter.`, 'addon_attachment');
    }
    if (!free(name)) throw new BerthError('name_taken', `${configVarOf(name)} is already in use on ${app.name}.`, 'addon_attachment');
    return name;
  }
  for (let n = 1; ; n++) {
    const name = n === 1 ? fallback : `${fallback}_${n}`;
    if (free(name)) return name;
  }
}

/**
 * Sets (or with url null, removes) `<NAME>_URL` inside the caller's transaction and says which release
 * that makes; the caller runs it in the app's turn (ReleaseOwner.change).
 */
export async function changeAddonVar(tx: Repos, app: App, input: { name: string; url: string | null; description: string }): Promise<ReleaseInput> {
  const config = { ...(await tx.config.get(app.id)) };
  if (input.url === null) delete config[configVarOf(input.name)];
  else config[configVarOf(input.name)] = input.url;
  await tx.config.replace(app.id, config);
  return { description: input.description, config };
}

/** The `berth[api]` line of an add-on's release; the owner has already told the health manager. */
export function announceRelease(deps: AddonDeps, app: App, actor: User, release: Release): void {
  deps.appLog?.write(app.id, 'berth', 'api', `Release v${release.version} created by ${actor.email}: ${release.description}`);
}

export async function attachAddon(deps: AddonDeps, actor: User, input: { addon?: unknown; app?: unknown; name?: unknown }): Promise<{ attachment: AddonAttachment; addon: Addon; app: App }> {
  if (typeof input.addon !== 'string' || typeof input.app !== 'string') {
    throw new BerthError('invalid_params', 'An attachment needs "addon" (id or name) and "app" (id or name).', 'addon_attachment');
  }
  // Attaching hands the add-on's credentials to another app: manage on both sides.
  const addon = await addonForActor(deps.store, actor, input.addon, 'manage');
  const app = await authorize(deps.store, actor, input.app, 'manage');
  const broker = deps.brokers.forService(addon.service);
  if (addon.state !== 'provisioned') throw new BerthError('conflict', `${addon.name} is ${addon.state}.`, 'addon');
  const bindingId = `${addon.id}:${app.id}`;
  const alreadyBound = (await deps.store.addons.attachments({ addonId: addon.id })).some((a) => a.appId === app.id);
  const { url } = await broker.bind(addon.id, bindingId);
  const { release, result: attachment } = await deps.releaseOwner.change(app, actor, 'addon-attached', async (tx) => {
    const name = await chooseAttachmentName(tx, app, input.name, broker.defaultAttachmentName);
    const attachment = await tx.addons.attach({ addonId: addon.id, appId: app.id, name });
    const release = await changeAddonVar(tx, app, { name, url, description: `Attach ${name} (@ref:${addon.name})` });
    await tx.events.append(auditEntry(actor, app, 'addon-attached', { addon: addon.name, name, added: [configVarOf(name)] }));
    return { release, result: attachment };
  }).catch(async (e: unknown) => {
    // Nothing was recorded, so the binding made for it must not outlive it (unless an earlier attachment uses it).
    if (!alreadyBound) await broker.unbind(addon.id, bindingId).catch(() => undefined);
    throw e;
  });
  announceRelease(deps, app, actor, release!);
  return { attachment, addon, app };
}

export async function detachAddon(deps: AddonDeps, actor: User, attachmentId: string): Promise<{ attachment: AddonAttachment; addon: Addon; app: App }> {
  const attachment = await deps.store.addons.attachmentById(attachmentId);
  if (!attachment) throw new BerthError('addon_attachment_not_found', `Couldn't find that add-on attachment: ${attachmentId}.`, 'addon_attachment');
  const app = await authorize(deps.store, actor, attachment.appId, 'manage');
  const addon = (await deps.store.addons.byId(attachment.addonId))!;
  if (addon.appId === app.id && (await deps.store.addons.attachments({ addonId: addon.id })).filter((a) => a.appId === app.id).length === 1) {
    throw new BerthError('invalid_params', `${attachment.name} is how ${app.name} owns ${addon.name}; destroy the add-on instead (berth addons:destroy ${addon.name}).`, 'addon_attachment');
  }
  const { release } = await deps.releaseOwner.change(app, actor, 'addon-detached', async (tx) => {
    // Checked again in the app's turn: a detach that waited may find it already gone.
    if (!(await tx.addons.attachmentById(attachment.id))) throw new BerthError('addon_attachment_not_found', `Couldn't find that add-on attachment: ${attachmentId}.`, 'addon_attachment');
    await tx.addons.detach(attachment.id);
    const release = await changeAddonVar(tx, app, { name: attachment.name, url: null, description: `Detach ${attachment.name} (@ref:${addon.name})` });
    await tx.events.append(auditEntry(actor, app, 'addon-detached', { addon: addon.name, name: attachment.name, removed: [configVarOf(attachment.name)] }));
    return { release, result: undefined };
  });
  await deps.brokers.forService(addon.service).unbind(addon.id, `${addon.id}:${app.id}`);
  announceRelease(deps, app, actor, release!);
  return { attachment, addon, app };
}

export async function listAttachments(deps: AddonDeps, actor: User, appRef: string): Promise<{ app: App; attachments: { attachment: AddonAttachment; addon: Addon }[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const attachments = [];
  for (const attachment of await deps.store.addons.attachments({ appId: app.id })) {
    const addon = await deps.store.addons.byId(attachment.addonId);
    if (addon) attachments.push({ attachment, addon });
  }
  return { app, attachments };
}
