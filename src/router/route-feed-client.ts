// How a router follows the control plane's routes: `GET /internal/routes` as NDJSON, a full
// snapshot replacing the table, then each change. While the API is unreachable the table is kept
// as it is (the last known routes go on serving) and the connection is retried with backoff.
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import {
  INTERNAL_TOKEN_HEADER, ROUTE_FEED_HEARTBEAT_MS, type PublishedRoute, type RouteFeedMessage,
} from '../domain/internal-protocol.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { RetryBackoff } from '../platform/retry-backoff.js';
import { isPublishedEdge, isPublishedRoute } from './route-snapshot-file.js';
import type { RouteTable } from './route-table.js';

export interface RouteFeedClientOptions {
  /** The API's internal base URL, e.g. `http://127.0.0.1:5000`. */
  apiUrl: string;
  token: string;
  table: RouteTable;
  clock: Clock;
  logger: Logger;
  /** Told of every table the feed produced (snapshot or change), e.g. to persist it. */
  onTable?: (routes: PublishedRoute[]) => void;
  /** No line (heartbeat included) for this long means a dead connection: reconnect. Default 3 heartbeats. */
  heartbeatTimeoutMs?: number;
  /** Delays between reconnects. Default 100 ms doubling up to 1 s. */
  backoff?: { initialMs: number; maxMs: number };
}

/** A snapshot of thousands of apps is a few MB; a line far beyond that is not the API speaking. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export class RouteFeedClient {
  constructor(private readonly o: RouteFeedClientOptions) {}

  /** Follows the feed until `signal` aborts; never throws (every failure is "retry later"). */
  async start(signal: AbortSignal): Promise<void> {
    // Capped low: a router that waits long after the API is back serves stale routes meanwhile,
    // and a refused connect costs next to nothing.
    const backoff = new RetryBackoff(this.o.backoff ?? { initialMs: 100, maxMs: 1_000 });
    while (!signal.aborted) {
      const outcome = await this.follow(signal, () => backoff.reset()).catch((e: Error) => e.message);
      if (signal.aborted) break;
      const delay = backoff.next();
      this.o.logger.warn('route-feed-disconnected', { reason: outcome, retryInMs: delay, keeping: this.o.table.entries().length });
      await this.o.clock.sleep(delay, signal).catch(() => undefined);
    }
  }

  /** One connection: resolves with why it ended. `onSnapshot` marks it as healthy. */
  private follow(signal: AbortSignal, onSnapshot: () => void): Promise<string> {
    return new Promise((resolve) => {
      const ended = new AbortController();
      let req: ClientRequest | undefined;
      let finished = false;
      const finish = (why: string) => {
        if (finished) return;
        finished = true;
        ended.abort();
        signal.removeEventListener('abort', onAbort);
        req?.destroy();
        resolve(why);
      };
      const onAbort = () => finish('stopping');
      signal.addEventListener('abort', onAbort, { once: true });

      let lastLineAt = this.o.clock.now();
      const timeoutMs = this.o.heartbeatTimeoutMs ?? 3 * ROUTE_FEED_HEARTBEAT_MS;
      void this.watchdog(ended.signal, timeoutMs, () => lastLineAt, () => finish(`no heartbeat for ${timeoutMs} ms`));

      const url = new URL('/internal/routes', this.o.apiUrl);
      req = request(url, { headers: { [INTERNAL_TOKEN_HEADER]: this.o.token, Accept: 'application/x-ndjson' } }, (res: IncomingMessage) => {
        res.on('error', (e) => finish(`feed broke: ${e.message}`));
        if (res.statusCode !== 200) {
          res.resume();
          return finish(res.statusCode === 401 ? 'refused: the internal token does not match the API\'s' : `answered ${res.statusCode}`);
        }
        const decoder = new StringDecoder('utf8');
        let partial = '';
        res.on('data', (chunk: Buffer) => {
          lastLineAt = this.o.clock.now();
          partial += decoder.write(chunk);
          if (partial.length > MAX_LINE_BYTES) return finish('a feed line is too long');
          let nl: number;
          while ((nl = partial.indexOf('\n')) >= 0) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            if (line.trim() === '') continue;
            try {
              if (this.apply(JSON.parse(line) as RouteFeedMessage)) onSnapshot();
            } catch (e) {
              return finish(`bad feed line: ${(e as Error).message}`);
            }
          }
        });
        res.on('end', () => finish('the API closed the feed'));
      });
      req.on('error', (e) => finish(`cannot reach the API: ${e.message}`));
      req.end();
    });
  }

  /** Applies one message; true for a snapshot. */
  private apply(m: RouteFeedMessage): boolean {
    const { table } = this.o;
    switch (m.type) {
      case 'heartbeat':
        return false;
      case 'snapshot':
        // Checked before use: a malformed route would otherwise fail requests, not the feed.
        if (!Array.isArray(m.routes) || !m.routes.every(isPublishedRoute)) throw new Error('malformed snapshot');
        if (m.edges !== undefined && (!Array.isArray(m.edges) || !m.edges.every(isPublishedEdge))) throw new Error('malformed edges');
        table.replaceAll(m.routes, m.edges);
        // Once per connection: when the router follows the API (again) after a start or an outage.
        this.o.logger.info('route-feed-synced', { routes: m.routes.length });
        break;
      case 'set':
        if (!isPublishedRoute(m.route)) throw new Error('malformed route');
        table.set(m.route);
        break;
      case 'remove':
        if (typeof m.appName !== 'string') throw new Error('malformed remove');
        table.remove(m.appName);
        break;
      case 'edge':
        if (typeof m.appId !== 'string' || (m.edge !== null && !isPublishedEdge(m.edge))) throw new Error('malformed edge');
        table.setEdge(m.appId, m.edge);
        break;
      default:
        throw new Error(`unknown message type ${JSON.stringify((m as { type?: unknown }).type)}`);
    }
    this.o.onTable?.(table.entries());
    return m.type === 'snapshot';
  }

  /** Calls `dead` once no line has arrived for `timeoutMs`; stops when `ended` aborts. */
  private async watchdog(ended: AbortSignal, timeoutMs: number, lastLineAt: () => number, dead: () => void): Promise<void> {
    try {
      for (;;) {
        const quietFor = this.o.clock.now() - lastLineAt();
        if (quietFor >= timeoutMs) return dead();
        await this.o.clock.sleep(timeoutMs - quietFor, ended);
      }
    } catch {
      // `ended` aborted: the connection is over already.
    }
  }
}
