// Spreads each app's requests over its backends in turn.
import type { RouteBackend, RouteEntry } from './route-table.js';

export class RoundRobin {
  private readonly next = new Map<string, number>();

  /**
   * The backends to try for one request, starting with this request's turn; the rest
   * are the fallbacks for a retry. At most `limit` long.
   */
  order(entry: RouteEntry, limit: number): RouteBackend[] {
    const { backends } = entry;
    if (backends.length === 0) return [];
    const start = (this.next.get(entry.appId) ?? 0) % backends.length;
    this.next.set(entry.appId, start + 1);
    const order: RouteBackend[] = [];
    for (let i = 0; i < Math.min(limit, backends.length); i++) order.push(backends[(start + i) % backends.length] as RouteBackend);
    return order;
  }

  forget(appId: string): void {
    this.next.delete(appId);
  }
}
