// What the health manager tells the router: where an app's up web instances are. The router's
// RouteTable has this shape; main/ passes it in, so health does not depend on router.
import type { PublishedRoute } from '../domain/internal-protocol.js';

export type { PublishedRoute } from '../domain/internal-protocol.js';

export interface RoutePublisher {
  set(route: PublishedRoute): void;
  remove(appName: string): void;
}
