// In-memory implementations of the certificate and domain ports (certificate-install.ts,
// app-domains.ts) for tests of automatic certificates, until the real certificate store is joined.
// It checks what a user would notice the real one refuse: a key that does not match, a certificate
// that has expired or does not cover the hostnames.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { AppDomainList } from '../app-domains.js';
import type { CertificateInstaller } from '../certificate-install.js';

export interface StoredCertificate {
  id: string;
  appId: string;
  origin: 'manual' | 'acme';
  hostnames: string[];
  expiresAt: string;
  certificateChain: string;
  privateKey: string;
}

export class MemoryCertificates implements CertificateInstaller {
  readonly stored: StoredCertificate[] = [];
  private next = 1;

  constructor(private readonly domains: AppDomainList, private readonly now: () => number = Date.now) {}

  async install(appId: string, pem: { certificateChain: string; privateKey: string }, origin: 'manual' | 'acme') {
    const leaf = new X509Certificate(pem.certificateChain);
    if (!leaf.checkPrivateKey(createPrivateKey(pem.privateKey))) throw new Error('the private key does not match the certificate');
    if (Date.parse(leaf.validTo) <= this.now()) throw new Error('the certificate has expired');
    const hostnames = await this.domains.hostnamesOf(appId);
    const covered = hostnames.filter((h) => leaf.checkHost(h) !== undefined);
    if (covered.length === 0) throw new Error('the certificate covers none of the app\'s domains');
    const stored: StoredCertificate = {
      id: `cert-${this.next++}`, appId, origin, hostnames: covered, expiresAt: new Date(leaf.validTo).toISOString(), ...pem,
    };
    const i = this.stored.findIndex((c) => c.appId === appId && c.origin === origin);
    if (i >= 0) this.stored.splice(i, 1, stored);
    else this.stored.push(stored);
    return { id: stored.id, hostnames: stored.hostnames, expiresAt: stored.expiresAt };
  }

  async list(appId: string) {
    return this.stored.filter((c) => c.appId === appId).map(({ id, origin, hostnames, expiresAt }) => ({ id, origin, hostnames, expiresAt }));
  }
}

export class MemoryDomains implements AppDomainList {
  private readonly byApp = new Map<string, string[]>();

  set(appId: string, hostnames: string[]): void {
    this.byApp.set(appId, [...hostnames]);
  }

  async hostnamesOf(appId: string): Promise<string[]> {
    return [...(this.byApp.get(appId) ?? [])];
  }
}
