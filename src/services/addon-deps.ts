// What the add-on use cases need besides ServiceDeps: the brokers, the plans, where backups go.
import type { BrokerRegistry } from '../addons/broker-registry.js';
import type { PlanCatalog } from '../addons/plans.js';
import type { ServiceDeps } from './service-deps.js';

export interface AddonDeps extends ServiceDeps {
  brokers: BrokerRegistry;
  plans: PlanCatalog;
  /** BERTH_HOME/backups: one folder per add-on, one pg_dump file per backup. */
  backupsDir: string;
}
