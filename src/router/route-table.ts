// The router's view of the world: which app a Host names and where its web instances listen.
import type { PublishedEdge, RouteChange } from '../domain/internal-protocol.js';
import { hostName } from './host-name.js';

export interface RouteBackend {
  instanceId: string;
  /** Heroku's dyno name, e.g. `web.1`; shown in the access log. */
  dyno: string;
  host: string;
  port: number;
}

export interface RouteEntry {
  appId: string;
  appName: string;
  maintenance: boolean;
  /** Web instances that are up and serving; empty means H14 (or H10 when `crashed`). */
  backends: RouteBackend[];
  /** Every web instance has crashed: answer H10 rather than H14. */
  crashed: boolean;
}

export interface RouteTableOptions {
  /** Apps are reached at `<app>.<baseDomain>`; default `localhost`. */
  baseDomain?: string;
}

/**
 * Mutable and read on every request, so a change made by the integrator (from
 * runtime events) applies to the very next request without a restart.
 */
export class RouteTable {
  readonly baseDomain: string;
  private readonly byName = new Map<string, RouteEntry>();
  /** App id → its name in `byName`: custom domains name apps by id, which a rename keeps. */
  private readonly nameById = new Map<string, string>();
  private readonly edges = new Map<string, PublishedEdge>();
  /** Exact custom domain → app id. */
  private readonly exactDomains = new Map<string, string>();
  /** Wildcard `*.example.com`, keyed `example.com` → app id. */
  private readonly wildcardDomains = new Map<string, string>();
  private readonly listeners = new Set<(change: RouteChange) => void>();

  constructor(options: RouteTableOptions = {}) {
    this.baseDomain = (options.baseDomain ?? 'localhost').toLowerCase().replace(/\.$/, '');
  }

  set(entry: RouteEntry): void {
    const copy = { ...entry, backends: [...entry.backends] };
    const previous = this.nameById.get(entry.appId);
    if (previous !== undefined && previous !== entry.appName.toLowerCase()) this.byName.delete(previous);
    this.byName.set(entry.appName.toLowerCase(), copy);
    this.nameById.set(entry.appId, entry.appName.toLowerCase());
    this.changed({ type: 'set', route: copy });
  }

  /**
   * Makes the table exactly `entries` in one step (a router taking the control plane's snapshot):
   * apps missing from it are gone, and no request ever sees a half-replaced table.
   */
  replaceAll(entries: RouteEntry[], edges?: PublishedEdge[]): void {
    const names = new Set(entries.map((e) => e.appName.toLowerCase()));
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
    this.nameById.clear();
    for (const e of entries) {
      this.byName.set(e.appName.toLowerCase(), { ...e, backends: [...e.backends] });
      this.nameById.set(e.appId, e.appName.toLowerCase());
    }
    // A snapshot without edges (an older API, an older snapshot file) leaves the edges as they are.
    if (edges) {
      this.edges.clear();
      for (const edge of edges) this.edges.set(edge.appId, edge);
      this.indexDomains();
    }
    this.changed({ type: 'snapshot' });
  }

  remove(appName: string): void {
    const name = appName.toLowerCase();
    const entry = this.byName.get(name);
    this.byName.delete(name);
    if (entry) this.nameById.delete(entry.appId);
    this.changed({ type: 'remove', appName: name });
  }

  /** Sets (or with null, drops) an app's custom domains, certificates and edge features. */
  setEdge(appId: string, edge: PublishedEdge | null): void {
    if (edge) this.edges.set(appId, edge);
    else this.edges.delete(appId);
    this.indexDomains();
    this.changed({ type: 'snapshot' });
  }

  edgeOf(appId: string): PublishedEdge | undefined {
    return this.edges.get(appId);
  }

  edgeEntries(): PublishedEdge[] {
    return [...this.edges.values()];
  }

  /** The app whose custom domain names this host: an exact domain first, then a wildcard one. */
  customDomainApp(host: string | undefined): string | undefined {
    const name = hostName(host);
    if (!name) return undefined;
    const exact = this.exactDomains.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    return dot > 0 ? this.wildcardDomains.get(name.slice(dot + 1)) : undefined;
  }

  /**
   * The entry for a Host header value, or undefined when it names no app: an exact custom domain,
   * then the app's default `<app>.<base>`, then a wildcard custom domain (exact beats wildcard).
   */
  get(host: string | undefined): RouteEntry | undefined {
    const name = hostName(host);
    if (!name) return undefined;
    const exact = this.exactDomains.get(name);
    if (exact !== undefined) return this.byId(exact);
    const suffix = '.' + this.baseDomain;
    if (name.endsWith(suffix)) {
      const label = name.slice(0, -suffix.length);
      // Only one label: `x.demo.localhost` is not `demo`.
      if (label.length === 0 || label.includes('.')) return undefined;
      return this.byName.get(label);
    }
    const wildcard = this.customDomainApp(name);
    return wildcard === undefined ? undefined : this.byId(wildcard);
  }

  private byId(appId: string): RouteEntry | undefined {
    const name = this.nameById.get(appId);
    return name === undefined ? undefined : this.byName.get(name);
  }

  private indexDomains(): void {
    this.exactDomains.clear();
    this.wildcardDomains.clear();
    for (const edge of this.edges.values()) {
      for (const { hostname } of edge.domains) {
        if (hostname.startsWith('*.')) this.wildcardDomains.set(hostname.slice(2), edge.appId);
        else this.exactDomains.set(hostname, edge.appId);
      }
    }
  }

  entries(): RouteEntry[] {
    return [...this.byName.values()];
  }

  /** Called after every set/remove/replaceAll with what changed; returns an unsubscribe function. */
  onChange(listener: (change: RouteChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(change: RouteChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
