// The log-drain use cases: list an app's drains (view), add or remove one (manage). What gets
// delivered, and how, is the deliveries' business (log-drain-deliveries.ts), woken by an event.
import { BerthError } from '../domain/errors.js';
import { drainToken, parseDrainUrl, type LogDrain } from '../domain/log-drains.js';
import type { App, User } from '../domain/types.js';
import { newId } from '../platform/ids.js';
import { auditEntry } from './audit-entry.js';
import { authorize } from './authorization.js';
import { assertReachableHost } from './outbound-targets.js';
import type { ServiceDeps } from './service-deps.js';

/** Drains per app: Heroku does not publish its limit; each one costs a connection and a buffer here. */
export const MAX_DRAINS_PER_APP = 10;

export async function listLogDrains(deps: ServiceDeps, actor: User, appRef: string): Promise<{ app: App; drains: LogDrain[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, drains: await deps.store.logDrains.list(app.id) };
}

export async function findLogDrain(deps: ServiceDeps, actor: User, appRef: string, identity: string): Promise<{ app: App; drain: LogDrain }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, drain: await drainOf(deps, app, identity) };
}

export async function addLogDrain(deps: ServiceDeps, actor: User, appRef: string, url: unknown): Promise<{ app: App; drain: LogDrain }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  if (typeof url !== 'string') throw new BerthError('invalid_params', 'url is required: the drain\'s syslog://, syslog+tls:// or https:// URL.', 'log-drain');
  const target = parseDrainUrl(url.trim());
  assertReachableHost(deps, target.host, `Drain URL ${JSON.stringify(url.trim())}`, 'log-drain');
  const drain = await deps.store.transaction(async (tx) => {
    if ((await tx.logDrains.list(app.id)).length >= MAX_DRAINS_PER_APP) {
      throw new BerthError('invalid_params', `${app.name} already has ${MAX_DRAINS_PER_APP} drains, the most an app may have.`, 'log-drain');
    }
    const created = await tx.logDrains.create({ appId: app.id, url: target.url, token: drainToken(newId()) });
    await tx.events.append(auditEntry(actor, app, 'log-drain-added', { drain: created.token }));
    return created;
  });
  deps.events.emit({ type: 'log-drains-changed', appId: app.id });
  return { app, drain };
}

export async function removeLogDrain(deps: ServiceDeps, actor: User, appRef: string, identity: string): Promise<{ app: App; drain: LogDrain }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const drain = await deps.store.transaction(async (tx) => {
    const found = await tx.logDrains.find(app.id, identity);
    if (!found) throw notFound(app, identity);
    await tx.logDrains.delete(app.id, found.id);
    await tx.events.append(auditEntry(actor, app, 'log-drain-removed', { drain: found.token }));
    return found;
  });
  deps.events.emit({ type: 'log-drains-changed', appId: app.id });
  return { app, drain };
}

async function drainOf(deps: ServiceDeps, app: App, identity: string): Promise<LogDrain> {
  const found = await deps.store.logDrains.find(app.id, identity);
  if (!found) throw notFound(app, identity);
  return found;
}

const notFound = (app: App, identity: string) =>
  new BerthError('not_found', `${app.name} has no drain ${identity}; berth drains -a ${app.name} lists them.`, 'log-drain');
