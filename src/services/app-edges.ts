// The API's view of every app's edge (custom domains, certificates with sealed keys, edge features)
// as the router needs it: derived from the store, which owns those facts, and re-read for one app
// whenever a service announces `edge-changed` (or the app is destroyed). The internal route feed
// sends it to the routers beside the published routes.
import type { EdgeChange, PublishedEdge } from '../domain/internal-protocol.js';
import type { Logger } from '../platform/logger.js';
import type { AppFeatureName, StoredCertificate, StoredDomain } from '../store/app-edge-repo.js';
import type { Store } from '../store/store.js';
import type { PlatformEvents } from './platform-events.js';

export class AppEdges {
  private readonly byApp = new Map<string, PublishedEdge>();
  private readonly listeners = new Set<(change: EdgeChange) => void>();
  /** Re-reads of one app run one after another, so the last change read is the last one sent. */
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly d: { store: Store; events: PlatformEvents; logger: Logger }) {}

  /** Loads every app's edge, then follows changes until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    const off = this.d.events.on((e) => {
      if (e.type === 'edge-changed' || e.type === 'app-destroyed') this.refresh(e.appId);
    });
    signal.addEventListener('abort', off, { once: true });
    const [domains, certificates, features] = await Promise.all([this.d.store.domains.all(), this.d.store.certificates.all(), this.d.store.features.all()]);
    const ids = new Set([...domains.map((x) => x.appId), ...certificates.map((x) => x.appId), ...features.map((x) => x.appId)]);
    for (const appId of ids) {
      const edge = edgeFrom(appId, domains.filter((x) => x.appId === appId), certificates.filter((x) => x.appId === appId),
        features.filter((x) => x.appId === appId).map((x) => x.name));
      if (edge) this.byApp.set(appId, edge);
    }
  }

  entries(): PublishedEdge[] {
    return [...this.byApp.values()];
  }

  onChange(listener: (change: EdgeChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every change announced so far has been read and sent (for tests and shutdown). */
  settled(): Promise<void> {
    return this.turn;
  }

  private refresh(appId: string): void {
    this.turn = this.turn.then(() => this.read(appId)).then((edge) => {
      if (edge) this.byApp.set(appId, edge);
      else if (!this.byApp.delete(appId)) return;
      for (const l of this.listeners) l({ type: 'edge', appId, edge });
    }).catch((e: Error) => this.d.logger.error('app-edge-refresh-failed', { appId, error: e.message }));
  }

  private async read(appId: string): Promise<PublishedEdge | null> {
    const { store } = this.d;
    if (!(await store.apps.byId(appId))) return null;
    const [domains, certificates, features] = await Promise.all([store.domains.list(appId), store.certificates.list(appId), store.features.enabled(appId)]);
    return edgeFrom(appId, domains, certificates, features);
  }
}

/** The edge of one app from its stored rows; null when it has nothing beyond its default name. */
function edgeFrom(appId: string, domains: StoredDomain[], certificates: StoredCertificate[], features: AppFeatureName[]): PublishedEdge | null {
  if (domains.length === 0 && certificates.length === 0 && features.length === 0) return null;
  return {
    appId,
    domains: domains.map((x) => ({ hostname: x.hostname, certificateId: x.certificateId })),
    certificates: certificates.map(({ id, hostnames, certificateChain, sealedPrivateKey, expiresAt }) => ({ id, hostnames, certificateChain, sealedPrivateKey, expiresAt })),
    httpRedirect: features.includes('http-redirect'),
    hsts: features.includes('hsts'),
  };
}
