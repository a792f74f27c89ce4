// The port through which certificates reach the certificate store and the router (owned by the
// domains/TLS part; ACME issues through it with origin `acme`).
export interface CertificateInstaller {
  /** Validates (key matches, chain complete, not expired, covers the hostnames it is for) and stores the app's
   *  certificate of this origin, replacing its previous one of the same origin; the router serves it within seconds. */
  install(appId: string, pem: { certificateChain: string; privateKey: string }, origin: 'manual' | 'acme'):
    Promise<{ id: string; hostnames: string[]; expiresAt: string }>;
  /** The app's stored certificates (no private keys). */
  list(appId: string): Promise<Array<{ id: string; origin: 'manual' | 'acme'; hostnames: string[]; expiresAt: string }>>;
}
