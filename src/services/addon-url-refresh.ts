// At start: config vars that still name an add-on's old address (Berth switched runtimes, so the
// add-on servers listen elsewhere) get the broker's current URL in a new release, which restarts
// the app's instances with it.
import type { AddonDeps } from './addon-deps.js';
import { announceRelease, changeAddonVar, configVarOf } from './addon-attachments.js';
import { auditEntry } from './audit-entry.js';

/** How many config vars were updated. An add-on whose broker fails is logged and skipped. */
export async function refreshAddonUrls(deps: AddonDeps): Promise<number> {
  let updated = 0;
  for (const addon of await deps.store.addons.list()) {
    if (addon.state !== 'provisioned') continue;
    for (const attachment of await deps.store.addons.attachments({ addonId: addon.id })) {
      try {
        const app = await deps.store.apps.byId(attachment.appId);
        const owner = app && (await deps.store.users.byId(app.ownerId));
        if (!app || !owner) continue;
        const current = (await deps.store.config.get(app.id))[configVarOf(attachment.name)];
        // Only a URL Berth set is replaced; a var the user removed or overrode is theirs.
        if (current === undefined) continue;
        const { url } = await deps.brokers.forService(addon.service).bind(addon.id, `${addon.id}:${app.id}`);
        if (url === current || !sameCredentials(url, current)) continue;
        const { release } = await deps.releaseOwner.change(app, owner, 'addon-url-changed', async (tx) => {
          // Read again in the app's turn: the user may have changed or removed the var meanwhile.
          if ((await tx.config.get(app.id))[configVarOf(attachment.name)] !== current) return { result: undefined };
          // Berth made this change, not the owner whose name the release carries: the trail says so.
          await tx.events.append(auditEntry(null, app, 'addon-url-changed', { addon: addon.name, changed: [configVarOf(attachment.name)] }));
          return { release: await changeAddonVar(tx, app, { name: attachment.name, url, description: `Update ${attachment.name} (@ref:${addon.name}): add-on address changed` }), result: undefined };
        });
        if (!release) continue;
        announceRelease(deps, app, owner, release);
        deps.logger.info('addon-url-updated', { app: app.name, addon: addon.name, var: configVarOf(attachment.name), host: new URL(url).hostname });
        updated++;
      } catch (e) {
        deps.logger.error('addon-url-refresh-failed', { addon: addon.name, error: (e as Error).message });
      }
    }
  }
  return updated;
}

/** The same user, password and database: only where the server is reached differs. */
function sameCredentials(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.username === y.username && x.password === y.password && x.pathname === y.pathname;
  } catch {
    return false;
  }
}
