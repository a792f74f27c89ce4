// Spreads each app's requests over its backends in turn.
import type { RouteBackend, RouteEntry } from './route-table.js';

export class RoundRobin {
  private readonly next = new Map<string, number>();

  /**
   * The backends to try for one request, starting with this request's turn; the rest
   * are the fallbacks for a retry. Skipped backends (a recent failed connect) come after
   * every other one: still tried when nothing else answers, since the route table may be
   * right and the failure passing. At most `limit` long.
   */
  order(entry: RouteEntry, limit: number, isSkipped: (backend: RouteBackend) => boolean = () => false): RouteBackend[] {
    const { backends } = entry;
    if (backends.length === 0) return [];
    const start = (this.next.get(entry.appId) ?? 0) % backends.length;
    this.next.set(entry.appId, start + 1);
    const turn: RouteBackend[] = [];
    for (let i = 0; i < backends.length; i++) turn.push(backends[(start + i) % backends.length] as RouteBackend);
    const skipped = turn.filter(isSkipped);
    const order = skipped.length === 0 ? turn : [...turn.filter((b) => !skipped.includes(b)), ...skipped];
    return order.slice(0, limit);
  }

  forget(appId: string): void {
    this.next.delete(appId);
  }
}
