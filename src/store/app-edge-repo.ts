// What reaches an app at the edge, as stored: its custom domains, its TLS certificates (private keys
// sealed by SecretBox before they get here) and its edge features (http-redirect, hsts). One table
// each (migration: domains, certificates, app_features); the router's view is derived from them.
import type { Id } from '../domain/types.js';

export interface StoredDomain {
  id: Id;
  appId: Id;
  /** Lower case, no trailing dot; `*.example.com` for a wildcard. Unique across every app. */
  hostname: string;
  /** The certificate the user tied to this domain (Heroku's `sni_endpoint`); null: any that covers it. */
  certificateId: Id | null;
  createdAt: string;
  updatedAt: string;
}

export type CertificateOrigin = 'manual' | 'acme';

export interface StoredCertificate {
  id: Id;
  appId: Id;
  /** Heroku's SNI endpoint name, unique across every app (e.g. `berth-3f9a1c`). */
  name: string;
  origin: CertificateOrigin;
  /** The leaf first, then its intermediates (and root, if given), PEM. */
  certificateChain: string;
  /** SecretBox-sealed PEM private key; never leaves the control plane and the router unsealed. */
  sealedPrivateKey: string;
  /** The leaf's DNS names (subjectAltName, else its common name), lower case. */
  hostnames: string[];
  startsAt: string;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export type NewCertificate = Omit<StoredCertificate, 'id' | 'createdAt' | 'updatedAt'>;

export interface DomainRepo {
  /** The app's domains, oldest first. */
  list(appId: Id): Promise<StoredDomain[]>;
  /** Every app's domains (the router's table). */
  all(): Promise<StoredDomain[]>;
  /** The domain of this hostname, whichever app holds it. */
  byHostname(hostname: string): Promise<StoredDomain | undefined>;
  /** Throws `name_taken` when another (or the same) app holds the hostname already. */
  create(d: { appId: Id; hostname: string; certificateId: Id | null }): Promise<StoredDomain>;
  setCertificate(id: Id, certificateId: Id | null): Promise<StoredDomain>;
  delete(id: Id): Promise<void>;
}

export interface CertificateRepo {
  /** The app's certificates, oldest first. */
  list(appId: Id): Promise<StoredCertificate[]>;
  all(): Promise<StoredCertificate[]>;
  /** By id or name, within the app. */
  find(appId: Id, ref: string): Promise<StoredCertificate | undefined>;
  create(c: NewCertificate): Promise<StoredCertificate>;
  /** Replaces the certificate and key (certs:update); domains tied to it stay tied. */
  replace(id: Id, c: Omit<NewCertificate, 'appId' | 'name' | 'origin'>): Promise<StoredCertificate>;
  /** Deletes it; domains tied to it fall back to any covering certificate. */
  delete(id: Id): Promise<void>;
}

export const APP_FEATURES = ['http-redirect', 'hsts'] as const;
export type AppFeatureName = (typeof APP_FEATURES)[number];

export interface AppFeatureRepo {
  /** The features turned on for the app (absent ones are off). */
  enabled(appId: Id): Promise<AppFeatureName[]>;
  /** Every app with a feature on. */
  all(): Promise<Array<{ appId: Id; name: AppFeatureName }>>;
  set(appId: Id, name: AppFeatureName, enabled: boolean): Promise<void>;
}
