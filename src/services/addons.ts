// Add-on lifecycle: create (provision + attach as <NAME>_URL in a release), list, info, destroy
// (detach everywhere in releases, then delete the data). Brokers do the provisioning.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceStatus } from '../addons/broker.js';
import type { Addon, AddonAttachment } from '../domain/addon.js';
import { generateAppName } from '../domain/app-name-generator.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { isoNow } from '../platform/clock.js';
import type { AddonDeps } from './addon-deps.js';
import { addonForActor, addonOfApp } from './addon-access.js';
import { announceRelease, changeAddonVar, chooseAttachmentName, configVarOf } from './addon-attachments.js';
import { authorize } from './authorization.js';
import { auditEntry } from './audit-entry.js';
import { checkAddonQuota } from './team-quotas.js';

const ADDON_NAME = /^[a-z][a-z0-9-]{2,62}$/;

export interface CreateAddonInput {
  plan?: unknown;
  name?: unknown;
  attachment?: { name?: unknown } | null;
}

export interface AddonView {
  addon: Addon;
  app: Pick<App, 'id' | 'name'>;
  attachments: AddonAttachment[];
}

async function view(deps: AddonDeps, addon: Addon): Promise<AddonView> {
  const app = await deps.store.apps.byId(addon.appId);
  return { addon, app: app ?? { id: addon.appId, name: '' }, attachments: await deps.store.addons.attachments({ addonId: addon.id }) };
}

async function chooseAddonName(deps: AddonDeps, service: string, requested: unknown): Promise<string> {
  if (requested !== undefined && requested !== null && requested !== '') {
    const name = typeof requested === 'string' ? requested.toLowerCase() : '';
    if (!ADDON_NAME.test(name)) throw new BerthError('invalid_params', `Add-on name ${JSON.stringify(requested)} is invalid: 3-63 lowercase letters, digits and dashes, starting with a letter.`, 'addon');
    if (await deps.store.addons.byName(name)) throw new BerthError('name_taken', `Name ${name} is already taken by another add-on.`, 'addon');
    return name;
  }
  for (;;) {
    const name = `${service}-${generateAppName(Math.random)}`;
    if (!(await deps.store.addons.byName(name))) return name;
  }
}

export async function createAddon(deps: AddonDeps, actor: User, appRef: string, input: CreateAddonInput): Promise<AddonView> {
  const plan = deps.plans.resolve(input.plan);
  const broker = deps.brokers.forService(plan.service);
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const name = await chooseAddonName(deps, plan.service, input.name);
  // Checked before anything is provisioned, so a taken name changes nothing.
  await chooseAttachmentName(deps.store, app, input.attachment?.name, broker.defaultAttachmentName);
  if (deps.teams) await checkAddonQuota(deps.teams, deps.store, app);
  const addon = await deps.store.addons.create({ name, appId: app.id, service: plan.service, plan: plan.name, state: 'provisioning' });
  try {
    await broker.provision(addon.id, plan);
    const { url } = await broker.bind(addon.id, `${addon.id}:${app.id}`);
    const { release } = await deps.releaseOwner.change(app, actor, 'addon-created', async (tx) => {
      const attachmentName = await chooseAttachmentName(tx, app, input.attachment?.name, broker.defaultAttachmentName);
      await tx.addons.attach({ addonId: addon.id, appId: app.id, name: attachmentName });
      await tx.addons.setState(addon.id, 'provisioned');
      // Billed from the moment it is provisioned, recorded in the same write.
      const now = isoNow(deps.clock);
      await tx.usage.open({ kind: 'addon', id: addon.id, appId: app.id, appName: app.name, ownerId: app.ownerId, teamId: app.teamId ?? null, item: plan.name, processType: null, startedAt: now, seenAt: now });
      await tx.events.append(auditEntry(actor, app, 'addon-created', { addon: name, plan: plan.name, added: [configVarOf(attachmentName)] }));
      return { release: await changeAddonVar(tx, app, { name: attachmentName, url, description: `Attach ${attachmentName} (@ref:${name})` }), result: undefined };
    });
    deps.logger.info('addon-created', { app: app.name, addon: name, plan: plan.name });
    announceRelease(deps, app, actor, release!);
  } catch (e) {
    deps.logger.error('addon-create-failed', { app: app.name, addon: name, error: (e as Error).message });
    await broker.deprovision(addon.id).catch(() => undefined);
    await deps.store.addons.delete(addon.id);
    if (e instanceof BerthError) throw e;
    throw new BerthError('conflict', `Could not provision ${plan.name}: ${(e as Error).message}`, 'addon');
  }
  return view(deps, (await deps.store.addons.byId(addon.id))!);
}

/** The add-ons an app owns or has attached, oldest first. */
export async function listAddons(deps: AddonDeps, actor: User, appRef: string): Promise<AddonView[]> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const ids = new Set((await deps.store.addons.list({ appId: app.id })).map((a) => a.id));
  for (const a of await deps.store.addons.attachments({ appId: app.id })) ids.add(a.addonId);
  const views: AddonView[] = [];
  for (const a of await deps.store.addons.list()) if (ids.has(a.id)) views.push(await view(deps, a));
  return views;
}

export async function getAddon(deps: AddonDeps, actor: User, ref: string): Promise<AddonView & { status: InstanceStatus }> {
  const addon = await addonForActor(deps.store, actor, ref, 'view');
  const status = await deps.brokers.forService(addon.service).status(addon.id);
  return { ...(await view(deps, addon)), status };
}

/** An add-on as the app sees it: by id, name, or the app's attachment name (`DATABASE`). */
export async function getAddonOfApp(deps: AddonDeps, actor: User, appRef: string, ref: string): Promise<AddonView & { status: InstanceStatus }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const { addon } = await addonOfApp(deps.store, app, ref);
  return getAddon(deps, actor, addon.id);
}

/**
 * Destroys an add-on the app owns: removes its config var from every app it is attached to (a
 * release each), then deletes its data and backups. Attached elsewhere, it needs `confirm`.
 */
export async function destroyAddon(deps: AddonDeps, actor: User, appRef: string, ref: string, opts: { confirm?: string; force?: boolean } = {}): Promise<AddonView> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const { addon } = await addonOfApp(deps.store, app, ref);
  if (addon.appId !== app.id) {
    throw new BerthError('invalid_params', `${addon.name} belongs to another app; detach it from ${app.name} instead (berth addons:detach).`, 'addon');
  }
  const attachments = await deps.store.addons.attachments({ addonId: addon.id });
  const elsewhere = attachments.filter((a) => a.appId !== app.id);
  if (elsewhere.length > 0 && opts.confirm !== app.name && !opts.force) {
    throw new BerthError('confirmation_required', `${addon.name} is also attached to ${elsewhere.length} other app(s). To destroy it and its data, confirm with the app name: ?confirm=${app.name}.`, 'addon');
  }
  const before = await view(deps, addon);
  await detachEverywhere(deps, addon, actor);
  await deprovisionAddon(deps, addon);
  deps.logger.info('addon-destroyed', { app: app.name, addon: addon.name });
  return before;
}

/**
 * Marks the add-on going, then detaches it from each app in that app's turn (a release each). Each
 * app's release is its own transaction: a crash between them leaves the add-on `deprovisioning` with
 * attachments, which the next destroy (or removeAddonsOfDestroyedApp) finishes.
 */
async function detachEverywhere(deps: AddonDeps, addon: Addon, actor: User): Promise<void> {
  await deps.store.addons.setState(addon.id, 'deprovisioning');
  for (const attachment of await deps.store.addons.attachments({ addonId: addon.id })) {
    const app = await deps.store.apps.byId(attachment.appId);
    if (!app) {
      await deps.store.addons.detach(attachment.id);
      continue;
    }
    const { release } = await deps.releaseOwner.change(app, actor, 'addon-destroyed', async (tx) => {
      if (!(await tx.addons.attachmentById(attachment.id))) return { result: undefined };
      await tx.addons.detach(attachment.id);
      await tx.events.append(auditEntry(actor, app, 'addon-destroyed', { addon: addon.name, removed: [configVarOf(attachment.name)] }));
      return { release: await changeAddonVar(tx, app, { name: attachment.name, url: null, description: `Detach ${attachment.name} (@ref:${addon.name})` }), result: undefined };
    });
    if (release) announceRelease(deps, app, actor, release);
  }
}

async function deprovisionAddon(deps: AddonDeps, addon: Addon): Promise<void> {
  await deps.brokers.forService(addon.service).deprovision(addon.id);
  await rm(join(deps.backupsDir, addon.id), { recursive: true, force: true });
  // Billed until its server is gone: the end is recorded in the same write that forgets the add-on.
  await deps.store.transaction(async (tx) => {
    await tx.addons.delete(addon.id);
    await tx.usage.close('addon', addon.id, isoNow(deps.clock));
  });
}

/**
 * After an app is destroyed: its add-ons go too (detached from other apps in releases made as
 * those apps' owners), and add-ons left half-deprovisioned by a crash are finished off.
 */
export async function removeAddonsOfDestroyedApp(deps: AddonDeps, appId: string): Promise<void> {
  for (const addon of await deps.store.addons.list({ appId })) {
    const attachments = await deps.store.addons.attachments({ addonId: addon.id });
    for (const a of attachments) {
      const app = await deps.store.apps.byId(a.appId);
      const owner = app && (await deps.store.users.byId(app.ownerId));
      if (owner) await detachEverywhere(deps, addon, owner);
    }
    await deprovisionAddon(deps, addon).catch((e: Error) => deps.logger.error('addon-deprovision-failed', { addon: addon.name, error: e.message }));
  }
}
