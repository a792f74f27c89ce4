// The port through which certificates reach an app, whoever obtained them: `certs:add` (manual) and
// ACME (acme-https). Checked (certificate-check.ts), the key sealed, stored; the router serves it
// within seconds (the edge feed, app-edges.ts).
import { randomBytes } from 'node:crypto';
import { BerthError } from '../domain/errors.js';
import { hostnameCovers } from '../domain/custom-domains.js';
import type { Id } from '../domain/types.js';
import type { Clock } from '../platform/clock.js';
import type { CertificateOrigin, StoredCertificate } from '../store/app-edge-repo.js';
import type { Repos, Store } from '../store/store.js';
import { auditEntry } from './audit-entry.js';
import { checkCertificate, type CheckedCertificate } from './certificate-check.js';
import type { PlatformEvents } from './platform-events.js';

export interface CertificateInstaller {
  /** Validates (key matches, chain complete, not expired, covers the hostnames it is for) and stores the app's
   *  certificate of this origin, replacing its previous one of the same origin; the router serves it within seconds. */
  install(appId: string, pem: { certificateChain: string; privateKey: string }, origin: 'manual' | 'acme'):
    Promise<{ id: string; hostnames: string[]; expiresAt: string }>;
  /** The app's stored certificates (no private keys). */
  list(appId: string): Promise<Array<{ id: string; origin: 'manual' | 'acme'; hostnames: string[]; expiresAt: string }>>;
}

/** Seals private keys at rest (platform/secret-box.ts). */
export interface KeySealer { seal(plaintext: string): string }

export interface CertificateStoreDeps {
  store: Store;
  clock: Clock;
  events: PlatformEvents;
  sealer: KeySealer;
}

/** Heroku names SNI endpoints with a word and a number; Berth's are `sni-` and 8 hex digits, unique across apps. */
export const newEndpointName = (): string => `sni-${randomBytes(4).toString('hex')}`;

/** Writes the checked certificate: a new one, or over `replacing` (certs:update keeps the name and domain ties). */
export async function storeCheckedCertificate(tx: Repos, sealer: KeySealer, appId: Id, checked: CheckedCertificate, origin: CertificateOrigin, replacing?: StoredCertificate): Promise<StoredCertificate> {
  const fields = {
    certificateChain: checked.certificateChain, sealedPrivateKey: sealer.seal(checked.privateKey), hostnames: checked.hostnames,
    startsAt: checked.startsAt, expiresAt: checked.expiresAt,
  };
  if (replacing) return tx.certificates.replace(replacing.id, fields);
  return tx.certificates.create({ appId, name: newEndpointName(), origin, ...fields });
}

/**
 * The installer both `sni-endpoints` and ACME use. A manual certificate is taken whatever names it
 * carries, as Heroku takes it (it is only ever served for the app's own domains it covers); an ACME
 * one was asked for the app's domains, so a name that is not one of them is refused.
 */
export class StoreCertificateInstaller implements CertificateInstaller {
  constructor(private readonly d: CertificateStoreDeps) {}

  async install(appId: string, pem: { certificateChain: string; privateKey: string }, origin: CertificateOrigin) {
    const checked = checkCertificate(pem, this.d.clock.now(), { fromAcmeCa: origin === 'acme' });
    if (origin === 'acme') {
      const domains = (await this.d.store.domains.list(appId)).map((x) => x.hostname);
      const stray = checked.hostnames.filter((h) => !domains.some((d) => hostnameCovers(d, h)));
      if (stray.length > 0) throw new BerthError('invalid_params', `The certificate names ${stray.join(', ')}, not a domain of this app.`, 'sni-endpoint');
    }
    const saved = await this.d.store.transaction(async (tx) => {
      const previous = (await tx.certificates.list(appId)).filter((c) => c.origin === origin);
      // The newest of that origin is overwritten in place (domains tied to it stay tied); older ones go.
      const [keep, ...rest] = previous.reverse();
      for (const c of rest) await tx.certificates.delete(c.id);
      const stored = await storeCheckedCertificate(tx, this.d.sealer, appId, checked, origin, keep);
      const app = await tx.apps.byId(appId);
      if (!app) throw new BerthError('app_not_found', `Couldn't find that app.`, 'app');
      // No actor: the platform (ACME) or the use case that called with its own audit entry.
      if (origin === 'acme') await tx.events.append(auditEntry(null, app, 'certificate-installed', { id: stored.id, name: stored.name, origin, hostnames: stored.hostnames, expiresAt: stored.expiresAt }));
      return stored;
    });
    this.d.events.emit({ type: 'edge-changed', appId });
    return { id: saved.id, hostnames: saved.hostnames, expiresAt: saved.expiresAt };
  }

  async list(appId: string) {
    return (await this.d.store.certificates.list(appId)).map((c) => ({ id: c.id, origin: c.origin, hostnames: c.hostnames, expiresAt: c.expiresAt }));
  }
}
