// Wires the log-drain deliveries: the LogHub they follow and write L10 lines to, the store, and
// the transports with the operator's CA bundle (BERTH_DRAIN_CA_FILE) trusted besides the system's.
import { readFileSync } from 'node:fs';
import { drainTransports } from '../logs/drains/drain-transports.js';
import type { LogHub } from '../logs/log-hub.js';
import { systemClock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { LogDrainDeliveries } from '../services/log-drain-deliveries.js';
import type { PlatformEvents } from '../services/platform-events.js';
import type { Store } from '../store/store.js';
import type { Settings } from './settings.js';

export async function startLogDrains(
  d: { settings: Settings; store: Store; events: PlatformEvents; logs: LogHub; logger: Logger },
  signal: AbortSignal,
): Promise<LogDrainDeliveries> {
  const extraCa = d.settings.drainCaFile ? [readFileSync(d.settings.drainCaFile, 'utf8')] : undefined;
  const deliveries = new LogDrainDeliveries({
    store: d.store, events: d.events, stream: d.logs, appLog: d.logs, clock: systemClock, logger: d.logger.child({ component: 'drains' }),
    transports: drainTransports({ clock: systemClock, outbound: d.settings.outbound, ...(extraCa ? { extraCa } : {}) }),
  });
  await deliveries.start(signal);
  return deliveries;
}
