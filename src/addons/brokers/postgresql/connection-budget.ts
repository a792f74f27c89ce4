// The shared cluster's connections, promised to add-ons: each role gets its plan's CONNECTION
// LIMIT, and the cluster never promises more than its max_connections can serve, so no set of
// tenants can take every connection and lock the others (and Berth) out.
import { BerthError } from '../../../domain/errors.js';

/** Kept for Berth's superuser (status, migrations, backups): superuser_reserved_connections. */
export const RESERVED_CONNECTIONS = 5;

/** What the cluster offers add-ons by default: 500 slots cost ≈ 12 MB of shared memory over 250. */
export const DEFAULT_MAX_CONNECTIONS = 500;

/**
 * max_connections for a start: the configured size, or more when earlier Berths already promised
 * more (add-ons made before the budget existed keep working, and are counted honestly).
 */
export function clusterMaxConnections(configured: number, promised: number): number {
  return Math.max(configured, promised + RESERVED_CONNECTIONS);
}

/** Refuses a new add-on whose plan would take the promised connections past what the cluster serves. */
export function checkConnectionBudget(maxConnections: number, promised: number, wanted: number, plan: string): void {
  const available = maxConnections - RESERVED_CONNECTIONS - promised;
  if (wanted <= available) return;
  throw new BerthError(
    'conflict',
    `The PostgreSQL server has promised ${promised} of its ${maxConnections - RESERVED_CONNECTIONS} add-on connections; ${plan} needs ${wanted} and only ${Math.max(0, available)} are left. Destroy an unused PostgreSQL add-on or ask the operator for a bigger server.`,
    'addon',
  );
}
