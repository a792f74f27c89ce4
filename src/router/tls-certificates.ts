// Which certificate a TLS connection gets, chosen by its SNI name: the certificate of the app whose
// custom domain names that host (exact domain, then wildcard), the one the user tied to the domain
// or else the newest one covering the name. Anything else (no SNI, an unknown name, an app with no
// covering certificate) gets Berth's default self-signed certificate, and its request then the
// page its Host leads to: never another app's certificate.
import { createSecureContext, type SecureContext } from 'node:tls';
import { hostnameCovers } from '../domain/custom-domains.js';
import type { PublishedEdge } from '../domain/internal-protocol.js';
import type { Logger } from '../platform/logger.js';
import type { RouteTable } from './route-table.js';

export interface TlsCertificatesOptions {
  routes: RouteTable;
  /** Opens a sealed private key (SecretBox of this BERTH_HOME). */
  openKey: (sealed: string) => string;
  /** Berth's own certificate for connections no app's certificate is for. */
  fallback: { cert: string; key: string };
  logger: Logger;
  /** Milliseconds since the epoch; expired certificates are not served. */
  now?: () => number;
}

type EdgeCertificate = PublishedEdge['certificates'][number];

export class TlsCertificates {
  readonly fallback: SecureContext;
  /** The fallback as a certificate and key, for the server's own options (clients without SNI). */
  readonly fallbackPair: { cert: string; key: string };
  /** One context per certificate version (id and chain), made on first use and dropped when it leaves the table. */
  private readonly contexts = new Map<string, SecureContext>();

  constructor(private readonly o: TlsCertificatesOptions) {
    this.fallbackPair = o.fallback;
    this.fallback = createSecureContext(o.fallback);
    o.routes.onChange(() => this.prune());
  }

  /** The context for a connection naming `servername`; the fallback when no app's certificate is for it. */
  contextFor(servername: string | undefined): SecureContext {
    const chosen = servername ? this.certificateFor(servername) : undefined;
    if (!chosen) return this.fallback;
    const key = versionKey(chosen);
    let context = this.contexts.get(key);
    if (!context) {
      try {
        context = createSecureContext({ cert: chosen.certificateChain, key: this.o.openKey(chosen.sealedPrivateKey) });
      } catch (e) {
        // A key sealed under another BERTH_HOME's secret, or damaged: say so, serve the fallback.
        this.o.logger.error('tls-certificate-unusable', { certificate: chosen.id, error: (e as Error).message });
        return this.fallback;
      }
      this.contexts.set(key, context);
    }
    return context;
  }

  /** The app certificate for this name, if an app's custom domain names it. */
  certificateFor(servername: string): EdgeCertificate | undefined {
    const host = servername.toLowerCase().replace(/\.$/, '');
    const appId = this.o.routes.customDomainApp(host);
    const edge = appId === undefined ? undefined : this.o.routes.edgeOf(appId);
    if (!edge) return undefined;
    const domain = edge.domains.find((d) => d.hostname === host) ?? edge.domains.find((d) => hostnameCovers(d.hostname, host));
    const now = (this.o.now ?? Date.now)();
    const usable = edge.certificates.filter((c) => Date.parse(c.expiresAt) > now && c.hostnames.some((n) => hostnameCovers(n, host)));
    return usable.find((c) => c.id === domain?.certificateId) ?? usable.sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
  }

  private prune(): void {
    const live = new Set(this.o.routes.edgeEntries().flatMap((e) => e.certificates.map(versionKey)));
    for (const key of this.contexts.keys()) if (!live.has(key)) this.contexts.delete(key);
  }
}

const versionKey = (c: EdgeCertificate): string => `${c.id}:${c.expiresAt}:${c.certificateChain.length}:${c.sealedPrivateKey.slice(-16)}`;
