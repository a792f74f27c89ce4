// What the health manager tells the router: where an app's up web instances are. The router's
// RouteTable has this shape; main/ passes it in, so health does not depend on router.

export interface PublishedRoute {
  appId: string;
  appName: string;
  maintenance: boolean;
  backends: Array<{ instanceId: string; dyno: string; host: string; port: number }>;
  /** Web instances are wanted but every one has crashed (H10 rather than H14). */
  crashed: boolean;
}

export interface RoutePublisher {
  set(route: PublishedRoute): void;
  remove(appName: string): void;
}
