// What every use case is given: the store, the time, the event bus, a logger, the owner of releases,
// and the log sink for `berth[api]` lines in the app's stream.
import type { OutboundPolicy } from '../platform/outbound-policy.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { PathHider } from '../platform/server-paths.js';
import type { Store } from '../store/store.js';
import type { DynoDirectory } from './dyno-directory.js';
import type { OneOffTable } from './one-off-table.js';
import type { PlatformEvents } from './platform-events.js';
import type { ReleaseOwner } from './release-owner.js';
import type { TeamLookup } from './team-lookup.js';

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  events: PlatformEvents;
  logger: Logger;
  appLog?: LogSink;
  /** Every action that makes a release goes through it: one turn per app (release-owner.ts). */
  releaseOwner: ReleaseOwner;
  /** Instance states and restarts; absent in a process that runs no instances. */
  dynos?: DynoDirectory;
  /** The one-off dynos (`berth run`) each app has now; absent in a process that runs none. */
  oneOffs?: OneOffTable;
  /** Which team an app is in, for team quotas; absent: no app is in a team. */
  teams?: TeamLookup;
  /** The stack new apps get. */
  defaultStack: string;
  /** Takes server paths (BERTH_HOME, Berth's install) out of text a tenant will see; identity when absent. */
  hidePaths?: PathHider;
  /** Where webhooks and log drains may point (BERTH_OUTBOUND_ALLOW); absent: public addresses only. */
  outbound?: OutboundPolicy;
}
