// The certs:auto use cases (Heroku's ACM): turn automatic certificates on or off for an app, show
// each custom domain's status with the reason of its last failure, and try failed ones again now.
// The ordering itself is AutomaticCertificates' (automatic-certificates.ts), woken from here.
import type { App, User } from '../domain/types.js';
import type { AcmeHostnameStatus } from '../store/acme-repo.js';
import type { AppDomainList } from './app-domains.js';
import { auditEntry } from './audit-entry.js';
import { authorize } from './authorization.js';
import type { AutomaticCertificates } from './automatic-certificates.js';
import type { ServiceDeps } from './service-deps.js';

export interface CertsAutoDeps extends ServiceDeps {
  automatic: Pick<AutomaticCertificates, 'wake'>;
  domains: AppDomainList;
}

export interface AcmeHostnameView {
  hostname: string;
  /** Heroku's `acm_status`: `pending` until the first order for it ends. */
  status: AcmeHostnameStatus;
  reason: string | null;
  updatedAt: string | null;
}

export interface AcmeView {
  app: App;
  enabled: boolean;
  hostnames: AcmeHostnameView[];
}

export async function acmeStatus(deps: CertsAutoDeps, actor: User, appRef: string): Promise<AcmeView> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return viewOf(deps, app);
}

export async function enableAcme(deps: CertsAutoDeps, actor: User, appRef: string): Promise<AcmeView> {
  return setEnabled(deps, actor, appRef, true);
}

/** Stops ordering and renewing; the certificate already issued stays until it expires or is replaced. */
export async function disableAcme(deps: CertsAutoDeps, actor: User, appRef: string): Promise<AcmeView> {
  return setEnabled(deps, actor, appRef, false);
}

/** Forgets every failure and backoff of the app's domains and orders at once (certs:auto:refresh). */
export async function refreshAcme(deps: CertsAutoDeps, actor: User, appRef: string): Promise<AcmeView> {
  const app = await authorize(deps.store, actor, appRef, 'operate');
  await deps.store.transaction(async (tx) => {
    await tx.acme.removeHostnames(app.id);
    await tx.events.append(auditEntry(actor, app, 'acm-refreshed', {}));
  });
  deps.appLog?.write(app.id, 'berth', 'api', `Refresh automatic certificates by ${actor.email}`);
  deps.automatic.wake();
  return viewOf(deps, app);
}

async function setEnabled(deps: CertsAutoDeps, actor: User, appRef: string, enabled: boolean): Promise<AcmeView> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const now = new Date(deps.clock.now()).toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.acme.setEnabled(app.id, enabled, now);
    // Statuses start afresh on the next enable.
    if (!enabled) await tx.acme.removeHostnames(app.id);
    await tx.events.append(auditEntry(actor, app, enabled ? 'acm-enabled' : 'acm-disabled', {}));
  });
  deps.appLog?.write(app.id, 'berth', 'api', `${enabled ? 'Enable' : 'Disable'} automatic certificates by ${actor.email}`);
  if (enabled) deps.automatic.wake();
  return viewOf(deps, app);
}

async function viewOf(deps: CertsAutoDeps, app: App): Promise<AcmeView> {
  const { enabled } = await deps.store.acme.app(app.id);
  const states = new Map((await deps.store.acme.hostnames(app.id)).map((s) => [s.hostname, s]));
  const hostnames = enabled ? (await deps.domains.hostnamesOf(app.id)).map((h) => h.toLowerCase()).filter((h) => !h.startsWith('*.')) : [];
  return {
    app,
    enabled,
    hostnames: hostnames.map((hostname) => {
      const s = states.get(hostname);
      return { hostname, status: s?.status ?? 'pending', reason: s?.reason ?? null, updatedAt: s?.updatedAt ?? null };
    }),
  };
}
