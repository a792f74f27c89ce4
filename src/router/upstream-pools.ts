// One undici keep-alive Pool per backend address, closed once no route points there.
import { Pool } from 'undici';
import type { RouteBackend, RouteTable } from './route-table.js';

export interface UpstreamPoolOptions {
  connectTimeoutMs: number;
  /** Longest silence allowed between response body chunks (Heroku's 55 s rolling window). */
  bodyIdleTimeoutMs: number;
}

const addressOf = (b: Pick<RouteBackend, 'host' | 'port'>): string =>
  `http://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`;

/**
 * What requests held on a discarded backend's connections fail with: the router cut them itself,
 * because that backend is gone, not because the app closed them.
 */
export class BackendGoneError extends Error {}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  get(backend: RouteBackend): Pool {
    const address = addressOf(backend);
    let pool = this.pools.get(address);
    if (!pool) {
      pool = new Pool(address, {
        connect: { timeout: this.options.connectTimeoutMs },
        // The router enforces its own H12 deadline for the first response byte.
        headersTimeout: 0,
        bodyTimeout: this.options.bodyIdleTimeoutMs,
        // Pipelining would let one slow response stall the ones queued behind it.
        pipelining: 1,
      });
      this.pools.set(address, pool);
    }
    return pool;
  }

  /**
   * Drops a backend's connections at once, in-flight requests included: a connect to it just
   * failed, so its node or process is gone, and a kept-alive connection to a node that died
   * without a word (power, network) would otherwise take new requests and hold them until H12.
   */
  discard(backend: Pick<RouteBackend, 'host' | 'port'>): void {
    const address = addressOf(backend);
    const pool = this.pools.get(address);
    if (!pool) return;
    this.pools.delete(address);
    void pool.destroy(new BackendGoneError(`${address} is unreachable`)).catch(() => {});
  }

  /** Closes pools of backends that left the table; close() lets in-flight requests finish. */
  prune(routes: RouteTable): void {
    const live = new Set(routes.entries().flatMap((e) => e.backends.map(addressOf)));
    for (const [address, pool] of this.pools) {
      if (live.has(address)) continue;
      this.pools.delete(address);
      void pool.close().catch(() => {});
    }
  }

  async destroyAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}
