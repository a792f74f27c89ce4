// The router's last known routes on disk (BERTH_HOME/run/routes.json, 0600), so that a router
// restarted while the API is down still serves every app it served before.
import type { PublishedEdge, PublishedRoute } from '../domain/internal-protocol.js';
import { readOptionalFile, writePrivateFile } from '../platform/private-file.js';

/** Whether a value from outside (the snapshot file, the feed) is a well-formed route. */
export const isPublishedRoute = (r: unknown): r is PublishedRoute => {
  const o = r as PublishedRoute;
  return typeof o === 'object' && o !== null && typeof o.appId === 'string' && typeof o.appName === 'string'
    && typeof o.maintenance === 'boolean' && typeof o.crashed === 'boolean' && Array.isArray(o.backends)
    && o.backends.every((b) => typeof b?.host === 'string' && typeof b?.port === 'number' && typeof b?.dyno === 'string' && typeof b?.instanceId === 'string');
};

/** Whether a value from outside is a well-formed edge (domains, certificates with sealed keys, features). */
export const isPublishedEdge = (e: unknown): e is PublishedEdge => {
  const o = e as PublishedEdge;
  return typeof o === 'object' && o !== null && typeof o.appId === 'string' && typeof o.httpRedirect === 'boolean' && typeof o.hsts === 'boolean'
    && Array.isArray(o.domains) && o.domains.every((d) => typeof d?.hostname === 'string' && (d.certificateId === null || typeof d.certificateId === 'string'))
    && Array.isArray(o.certificates) && o.certificates.every((c) => typeof c?.id === 'string' && typeof c.certificateChain === 'string'
      && typeof c.sealedPrivateKey === 'string' && typeof c.expiresAt === 'string' && Array.isArray(c.hostnames) && c.hostnames.every((h) => typeof h === 'string'));
};

export interface RouteSnapshot {
  routes: PublishedRoute[];
  /** Absent in a file written before routers knew edges. Keys in it stay sealed. */
  edges?: PublishedEdge[];
}

export class RouteSnapshotFile {
  constructor(readonly path: string) {}

  /** The saved routes and edges, or undefined when there are none yet; a damaged file is an error to report. */
  load(): RouteSnapshot | undefined {
    const text = readOptionalFile(this.path);
    if (text === undefined) return undefined;
    const parsed = JSON.parse(text) as { routes?: unknown; edges?: unknown };
    if (!Array.isArray(parsed.routes) || !parsed.routes.every(isPublishedRoute)) throw new Error(`${this.path} is not a route snapshot`);
    if (parsed.edges !== undefined && (!Array.isArray(parsed.edges) || !parsed.edges.every(isPublishedEdge))) throw new Error(`${this.path} has malformed edges`);
    return { routes: parsed.routes, ...(parsed.edges ? { edges: parsed.edges as PublishedEdge[] } : {}) };
  }

  save(snapshot: RouteSnapshot): void {
    writePrivateFile(this.path, JSON.stringify({ savedAt: new Date().toISOString(), ...snapshot }) + '\n');
  }
}
