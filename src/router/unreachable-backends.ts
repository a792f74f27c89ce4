// The router's own short memory of backends whose TCP connection failed (passive health): they are
// tried last for a few seconds, so a dead node's instances cost one failed connect per window
// instead of one per request, until the API's route table drops them. The route table stays the
// API's; this never removes a backend, it only reorders the tries.
import type { Clock } from '../platform/clock.js';
import type { RouteBackend } from './route-table.js';

// The instance as well as the address: a published port reused by a new instance is a new backend.
const keyOf = (b: RouteBackend): string => `${b.instanceId}@${b.host}:${b.port}`;

export class UnreachableBackends {
  /** Backend key → when it may be tried first again. */
  private readonly until = new Map<string, number>();

  constructor(private readonly clock: Clock, private readonly skipMs: number) {}

  /** A connection to `backend` failed before anything was sent. */
  failed(backend: RouteBackend): void {
    const now = this.clock.now();
    // Expired entries go here, so the map holds only the failures of the last window.
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
    this.until.set(keyOf(backend), now + this.skipMs);
  }

  /** A connection to `backend` opened: it is reachable again, whatever it did before. */
  connected(backend: RouteBackend): void {
    if (this.until.size > 0) this.until.delete(keyOf(backend));
  }

  isSkipped(backend: RouteBackend): boolean {
    const until = this.until.get(keyOf(backend));
    return until !== undefined && until > this.clock.now();
  }
}
