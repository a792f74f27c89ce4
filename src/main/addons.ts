// Wiring of the add-on brokers: PostgreSQL and Redis when their Debian packages are installed,
// supervision of their servers, the API routes, and clean-up when an app is destroyed.
import { existsSync } from 'node:fs';
import type { AddonNetwork } from '../addons/addon-network.js';
import type { Broker } from '../addons/broker.js';
import { BrokerRegistry } from '../addons/broker-registry.js';
import { findPostgres } from '../addons/brokers/postgresql/postgres-binaries.js';
import { PostgresBroker } from '../addons/brokers/postgresql/postgresql-broker.js';
import { RedisBroker } from '../addons/brokers/redis/redis-broker.js';
import { PlanCatalog } from '../addons/plans.js';
import type { ApiExtension } from '../api/api-server.js';
import { addonRoutes } from '../api/routes/addon-routes.js';
import { refreshAddonUrls } from '../services/addon-url-refresh.js';
import { removeAddonsOfDestroyedApp } from '../services/addons.js';
import type { AddonDeps } from '../services/addon-deps.js';
import type { ServiceDeps } from '../services/service-deps.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** The add-on routes, and the add-on use cases' dependencies for the other services that provision (app.json). */
export async function startAddons(deps: ServiceDeps, opts: { home: string; backupsDir: string; signal: AbortSignal; network: AddonNetwork; pgMaxConnections?: number }): Promise<{ routes: ApiExtension; addonDeps: AddonDeps }> {
  const logger = deps.logger.child({ component: 'addons' });
  const brokers: Broker[] = [];
  const postgres = findPostgres();
  if (postgres) brokers.push(new PostgresBroker({ home: opts.home, bins: postgres, logger, network: opts.network, maxConnections: opts.pgMaxConnections }));
  else logger.warn('addon-service-unavailable', { service: 'postgresql', install: 'apt-get install postgresql' });
  if (existsSync(REDIS_SERVER)) brokers.push(new RedisBroker({ home: opts.home, logger, redisServer: REDIS_SERVER, network: opts.network }));
  else logger.warn('addon-service-unavailable', { service: 'redis', install: 'apt-get install redis-server' });

  const registry = new BrokerRegistry(brokers);
  await registry.start(opts.signal);
  const addonDeps: AddonDeps = { ...deps, brokers: registry, plans: new PlanCatalog(), backupsDir: opts.backupsDir };
  // After a runtime switch the servers listen elsewhere: config vars follow, in new releases.
  await refreshAddonUrls(addonDeps).catch((e: Error) => logger.error('addon-url-refresh-failed', { error: e.message }));
  deps.events.on((e) => {
    if (e.type === 'app-destroyed') {
      void removeAddonsOfDestroyedApp(addonDeps, e.appId).catch((err: Error) => logger.error('addon-cleanup-failed', { app: e.appName, error: err.message }));
    }
  });
  return { routes: addonRoutes(addonDeps), addonDeps };
}
