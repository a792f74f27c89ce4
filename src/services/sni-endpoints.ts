// Heroku's /apps/{app}/sni-endpoints: an app's manual TLS certificates (`certs:add CRT KEY`,
// `certs:update`, `certs:remove`, `certs`, `certs:info`). `manage` changes them, `view` reads them;
// private keys are sealed before they are stored and never returned.
import { BerthError } from '../domain/errors.js';
import { hostnameCovers } from '../domain/custom-domains.js';
import type { App, User } from '../domain/types.js';
import type { StoredCertificate, StoredDomain } from '../store/app-edge-repo.js';
import { auditEntry } from './audit-entry.js';
import { authorize } from './authorization.js';
import { checkCertificate, describeChain, type CheckedCertificate } from './certificate-check.js';
import { storeCheckedCertificate, type KeySealer } from './certificate-install.js';
import type { ServiceDeps } from './service-deps.js';

export interface SniEndpointDeps extends ServiceDeps {
  sealer: KeySealer;
}

/** A certificate with what the API shows of it: its leaf's details and the app's domains it covers. */
export interface SniEndpoint {
  app: App;
  certificate: StoredCertificate;
  details: Pick<CheckedCertificate, 'subject' | 'issuer' | 'caSigned' | 'selfSigned'>;
  /** The app's custom domains this certificate covers. */
  domains: string[];
}

type PemInput = { certificate_chain?: unknown; private_key?: unknown };

export async function listSniEndpoints(d: SniEndpointDeps, actor: User, appRef: string): Promise<SniEndpoint[]> {
  const app = await authorize(d.store, actor, appRef, 'view');
  const domains = await d.store.domains.list(app.id);
  return (await d.store.certificates.list(app.id)).map((c) => endpoint(app, c, domains));
}

export async function sniEndpointInfo(d: SniEndpointDeps, actor: User, appRef: string, ref: string): Promise<SniEndpoint> {
  const app = await authorize(d.store, actor, appRef, 'view');
  return endpoint(app, await certificateOf(d, app, ref), await d.store.domains.list(app.id));
}

export async function addSniEndpoint(d: SniEndpointDeps, actor: User, appRef: string, input: PemInput): Promise<SniEndpoint> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  const checked = checkCertificate({ certificateChain: input.certificate_chain, privateKey: input.private_key }, d.clock.now());
  const saved = await d.store.transaction(async (tx) => {
    const made = await storeCheckedCertificate(tx, d.sealer, app.id, checked, 'manual');
    await tx.events.append(auditEntry(actor, app, 'sni-endpoint-added', { name: made.name, hostnames: made.hostnames, expiresAt: made.expiresAt }));
    return made;
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return endpoint(app, saved, await d.store.domains.list(app.id));
}

export async function updateSniEndpoint(d: SniEndpointDeps, actor: User, appRef: string, ref: string, input: PemInput): Promise<SniEndpoint> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  const current = await certificateOf(d, app, ref);
  const checked = checkCertificate({ certificateChain: input.certificate_chain, privateKey: input.private_key }, d.clock.now());
  const saved = await d.store.transaction(async (tx) => {
    const next = await storeCheckedCertificate(tx, d.sealer, app.id, checked, current.origin, current);
    await tx.events.append(auditEntry(actor, app, 'sni-endpoint-updated', { name: next.name, hostnames: next.hostnames, expiresAt: next.expiresAt }));
    return next;
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return endpoint(app, saved, await d.store.domains.list(app.id));
}

export async function removeSniEndpoint(d: SniEndpointDeps, actor: User, appRef: string, ref: string): Promise<SniEndpoint> {
  const app = await authorize(d.store, actor, appRef, 'manage');
  const current = await certificateOf(d, app, ref);
  const domains = await d.store.domains.list(app.id);
  await d.store.transaction(async (tx) => {
    await tx.certificates.delete(current.id);
    await tx.events.append(auditEntry(actor, app, 'sni-endpoint-removed', { name: current.name, hostnames: current.hostnames }));
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return endpoint(app, current, domains);
}

async function certificateOf(d: SniEndpointDeps, app: App, ref: string): Promise<StoredCertificate> {
  const found = await d.store.certificates.find(app.id, ref);
  if (!found) throw new BerthError('not_found', `Couldn't find that SNI endpoint: ${ref}.`, 'sni-endpoint');
  return found;
}

function endpoint(app: App, certificate: StoredCertificate, domains: StoredDomain[]): SniEndpoint {
  // Read from the stored chain (without the validity checks: an expired one is still described),
  // so what is shown is what is served.
  const checked = describeChain(certificate.certificateChain);
  return {
    app, certificate, details: checked,
    domains: domains.map((x) => x.hostname).filter((h) => certificate.hostnames.some((n) => hostnameCovers(n, h))),
  };
}
