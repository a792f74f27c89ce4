// The router's last known routes on disk (BERTH_HOME/run/routes.json, 0600), so that a router
// restarted while the API is down still serves every app it served before.
import type { PublishedRoute } from '../domain/internal-protocol.js';
import { readOptionalFile, writePrivateFile } from '../platform/private-file.js';

/** Whether a value from outside (the snapshot file, the feed) is a well-formed route. */
export const isPublishedRoute = (r: unknown): r is PublishedRoute => {
  const o = r as PublishedRoute;
  return typeof o === 'object' && o !== null && typeof o.appId === 'string' && typeof o.appName === 'string'
    && typeof o.maintenance === 'boolean' && typeof o.crashed === 'boolean' && Array.isArray(o.backends)
    && o.backends.every((b) => typeof b?.host === 'string' && typeof b?.port === 'number' && typeof b?.dyno === 'string' && typeof b?.instanceId === 'string');
};

export class RouteSnapshotFile {
  constructor(readonly path: string) {}

  /** The saved routes, or undefined when there are none yet; a damaged file is an error to report. */
  load(): PublishedRoute[] | undefined {
    const text = readOptionalFile(this.path);
    if (text === undefined) return undefined;
    const parsed = JSON.parse(text) as { routes?: unknown };
    if (!Array.isArray(parsed.routes) || !parsed.routes.every(isPublishedRoute)) throw new Error(`${this.path} is not a route snapshot`);
    return parsed.routes;
  }

  save(routes: PublishedRoute[]): void {
    writePrivateFile(this.path, JSON.stringify({ savedAt: new Date().toISOString(), routes }) + '\n');
  }
}
