// An app's custom domains (Heroku's /apps/{app}/domains; `domains:add`, `domains:remove`, ...): a
// hostname belongs to at most one app, wildcards included; the app's default `APP.BASE` is listed
// first as the `heroku` domain and cannot be removed. `view` lists, `manage` changes.
import { customHostname, hostnameCovers } from '../domain/custom-domains.js';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import type { StoredCertificate, StoredDomain } from '../store/app-edge-repo.js';
import type { Store } from '../store/store.js';
import { auditEntry } from './audit-entry.js';
import { authorize, permissionsOn } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';

/** The app's custom domains, no wildcards: what ACME may ask a certificate for. */
export interface AppDomainList { hostnamesOf(appId: string): Promise<string[]> }

export const storeDomainList = (store: Store): AppDomainList => ({
  async hostnamesOf(appId) {
    return (await store.domains.list(appId)).map((d) => d.hostname).filter((h) => !h.startsWith('*.'));
  },
});

export interface DomainsDeps extends ServiceDeps {
  /** Apps are reached at `<app>.<baseDomain>`; custom domains may not be under it. */
  baseDomain: string;
}

/** A domain as the API shows it: a stored custom one, or the app's default name. */
export type AppDomain =
  | { kind: 'heroku'; app: App; hostname: string }
  | { kind: 'custom'; app: App; domain: StoredDomain; certificate: StoredCertificate | null };

export async function listDomains(d: DomainsDeps, actor: User, appRef: string): Promise<AppDomain[]> {
  const app = await authorize(d.store, actor, appRef, 'view');
  const certificates = await d.store.certificates.list(app.id);
  const custom = (await d.store.domains.list(app.id)).map((domain) => customDomain(app, domain, certificates));
  return [{ kind: 'heroku', app, hostname: `${app.name}.${d.baseDomain}` }, ...custom];
}

export async function domainInfo(d: DomainsDeps, actor: User, appRef: string, ref: string): Promise<AppDomain> {
  const all = await listDomains(d, actor, appRef);
  const wanted = ref.toLowerCase().replace(/\.$/, '');
  const found = all.find((x) => (x.kind === 'heroku' ? x.hostname === wanted : x.domain.hostname === wanted || x.domain.id === ref));
  if (!found) throw new BerthError('not_found', `Couldn't find that domain: ${ref}.`, 'domain');
  return found;
}

export async function addDomain(d: DomainsDeps, actor: User, appRef: string, input: { hostname?: unknown; sni_endpoint?: unknown }): Promise<AppDomain> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  const hostname = customHostname(input.hostname, d.baseDomain);
  const certificate = await endpointFor(d, app, input.sni_endpoint);
  const holder = await d.store.domains.byHostname(hostname);
  if (holder) throw await takenError(d, actor, hostname, holder.appId);
  const domain = await d.store.transaction(async (tx) => {
    const made = await tx.domains.create({ appId: app.id, hostname, certificateId: certificate?.id ?? null });
    await tx.events.append(auditEntry(actor, app, 'domain-added', { hostname, ...(certificate ? { sniEndpoint: certificate.name } : {}) }));
    return made;
  }).catch(async (e: unknown) => {
    // Taken between the check and the insert: the same answer as the check's.
    if (e instanceof BerthError && e.code === 'name_taken') {
      const now = await d.store.domains.byHostname(hostname);
      throw now ? await takenError(d, actor, hostname, now.appId) : e;
    }
    throw e;
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return customDomain(app, domain, certificate ? [certificate] : []);
}

/** Ties the domain to one of the app's certificates, or unties it (`sni_endpoint: null`). */
export async function updateDomain(d: DomainsDeps, actor: User, appRef: string, ref: string, input: { sni_endpoint?: unknown }): Promise<AppDomain> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  const domain = await customDomainOf(d, app, ref);
  const certificate = await endpointFor(d, app, input.sni_endpoint);
  const saved = await d.store.transaction(async (tx) => {
    const next = await tx.domains.setCertificate(domain.id, certificate?.id ?? null);
    await tx.events.append(auditEntry(actor, app, 'domain-changed', { hostname: domain.hostname, sniEndpoint: certificate?.name ?? null }));
    return next;
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return customDomain(app, saved, certificate ? [certificate] : []);
}

export async function removeDomain(d: DomainsDeps, actor: User, appRef: string, ref: string): Promise<AppDomain> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  if (ref.toLowerCase() === `${app.name}.${d.baseDomain}`) throw new BerthError('invalid_params', `${ref} is ${app.name}'s own name on Berth; it cannot be removed.`, 'domain');
  const domain = await customDomainOf(d, app, ref);
  await d.store.transaction(async (tx) => {
    await tx.domains.delete(domain.id);
    await tx.events.append(auditEntry(actor, app, 'domain-removed', { hostname: domain.hostname }));
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return customDomain(app, domain, []);
}

async function customDomainOf(d: DomainsDeps, app: App, ref: string): Promise<StoredDomain> {
  const wanted = ref.toLowerCase().replace(/\.$/, '');
  const domain = (await d.store.domains.list(app.id)).find((x) => x.hostname === wanted || x.id === ref);
  if (!domain) throw new BerthError('not_found', `Couldn't find that domain: ${ref}.`, 'domain');
  return domain;
}

async function endpointFor(d: DomainsDeps, app: App, ref: unknown): Promise<StoredCertificate | null> {
  if (ref === undefined || ref === null || ref === '') return null;
  if (typeof ref !== 'string') throw new BerthError('invalid_params', 'sni_endpoint must be the name or id of one of the app\'s certificates.', 'domain');
  const certificate = await d.store.certificates.find(app.id, ref);
  if (!certificate) throw new BerthError('not_found', `Couldn't find that SNI endpoint: ${ref}.`, 'sni-endpoint');
  return certificate;
}

/** 422; it names the app holding the hostname only to someone who may see that app. */
async function takenError(d: DomainsDeps, actor: User, hostname: string, appId: string): Promise<BerthError> {
  const holder = await d.store.apps.byId(appId);
  const visible = holder && (await permissionsOn(d.store, actor, holder)).has('view');
  return new BerthError('name_taken', visible ? `${hostname} is already added to the app ${holder.name}.` : `${hostname} is already in use by another app.`, 'domain');
}

function customDomain(app: App, domain: StoredDomain, certificates: StoredCertificate[]): AppDomain {
  const certificate = domain.certificateId ? certificates.find((c) => c.id === domain.certificateId) ?? null : null;
  return { kind: 'custom', app, domain, certificate };
}

/** The app's certificate a domain is served with: the one tied to it if it covers it, else the newest covering one. */
export function certificateServing(hostname: string, tiedId: string | null, certificates: StoredCertificate[]): StoredCertificate | undefined {
  const covering = certificates.filter((c) => c.hostnames.some((n) => hostnameCovers(n, hostname)));
  return covering.find((c) => c.id === tiedId) ?? covering.sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
}
