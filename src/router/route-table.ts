// The router's view of the world: which app a Host names and where its web instances listen.
import type { RouteChange } from '../domain/internal-protocol.js';
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
  /** Custom domain → app name. */
  private readonly domains = new Map<string, string>();
  private readonly listeners = new Set<(change: RouteChange) => void>();

  constructor(options: RouteTableOptions = {}) {
    this.baseDomain = (options.baseDomain ?? 'localhost').toLowerCase().replace(/\.$/, '');
  }

  set(entry: RouteEntry): void {
    const copy = { ...entry, backends: [...entry.backends] };
    this.byName.set(entry.appName.toLowerCase(), copy);
    this.changed({ type: 'set', route: copy });
  }

  /**
   * Makes the table exactly `entries` in one step (a router taking the control plane's snapshot):
   * apps missing from it are gone, and no request ever sees a half-replaced table.
   */
  replaceAll(entries: RouteEntry[]): void {
    const names = new Set(entries.map((e) => e.appName.toLowerCase()));
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
    for (const [domain, app] of this.domains) if (!names.has(app)) this.domains.delete(domain);
    for (const e of entries) this.byName.set(e.appName.toLowerCase(), { ...e, backends: [...e.backends] });
    this.changed({ type: 'snapshot' });
  }

  remove(appName: string): void {
    const name = appName.toLowerCase();
    this.byName.delete(name);
    for (const [domain, app] of this.domains) if (app === name) this.domains.delete(domain);
    this.changed({ type: 'remove', appName: name });
  }

  /** Replaces the custom domains (e.g. `www.example.com`) that route to `appName`. */
  setDomains(appName: string, hostnames: string[]): void {
    const name = appName.toLowerCase();
    for (const [domain, app] of this.domains) if (app === name) this.domains.delete(domain);
    for (const h of hostnames) {
      const host = hostName(h);
      if (host) this.domains.set(host, name);
    }
  }

  /** The entry for a Host header value, or undefined when it names no app. */
  get(host: string | undefined): RouteEntry | undefined {
    const name = hostName(host);
    if (!name) return undefined;
    const custom = this.domains.get(name);
    if (custom !== undefined) return this.byName.get(custom);
    const suffix = '.' + this.baseDomain;
    if (!name.endsWith(suffix)) return undefined;
    const label = name.slice(0, -suffix.length);
    // Only one label: `x.demo.localhost` is not `demo`.
    if (label.length === 0 || label.includes('.')) return undefined;
    return this.byName.get(label);
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
