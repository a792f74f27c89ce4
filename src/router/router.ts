// The router's lifecycle: one Node HTTP server feeding the proxy pipeline and the websocket tunnel.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LogSink } from '../logs/log-sink.js';
import { answerAcmeChallenge, type AcmeChallengeLookup } from './acme-challenge-answer.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { ClientBytesRead } from './client-bytes-read.js';
import { routerErrorPage, sendRawPage } from './error-page.js';
import { InFlightRequests } from './in-flight-requests.js';
import { proxyRequest, type ProxyDeps } from './proxy.js';
import { noRequestMetrics, type RequestMetrics } from './request-metrics.js';
import { RoundRobin } from './round-robin.js';
import type { RouteTable } from './route-table.js';
import { UnreachableBackends } from './unreachable-backends.js';
import { UpstreamPools } from './upstream-pools.js';
import { tunnelUpgrade, type TunnelDeps } from './websocket-tunnel.js';

export interface RouterOptions {
  /** Read on every request; the base domain and custom domains live there. */
  routes: RouteTable;
  /** Receives one access-log line per request, as source `router`. */
  logSink: LogSink;
  logger: Logger;
  metrics?: RequestMetrics;
  /** H12 when a backend has not started its response within this time. Default 30 s, as Heroku. */
  requestTimeoutMs?: number;
  /**
   * TCP connect timeout per backend; a refused or timed-out connect moves on to the next backend.
   * Default 2 s: a live backend answers a SYN in well under a millisecond on a LAN, and 2 s still
   * lets one lost SYN be resent (TCP's first retransmission comes after 1 s), while a vanished
   * node's address costs a request 2 s once per `unreachableSkipMs` instead of hanging it.
   */
  connectTimeoutMs?: number;
  /** Longest silence between response body chunks before the response is cut (H15). Default 55 s. */
  upstreamIdleTimeoutMs?: number;
  /** How long an idle client keep-alive connection stays open. Default 90 s. */
  clientIdleTimeoutMs?: number;
  /** Largest request header block accepted; larger is answered 431 (H25). Default 8 KiB. */
  maxHeaderSize?: number;
  /** Backends tried per request when earlier ones refuse connections. Default 3. */
  maxAttempts?: number;
  /** How long a backend whose connect failed is tried after every other one. Default 5 s. */
  unreachableSkipMs?: number;
  /** Time for the skip window above. Default the system clock. */
  clock?: Clock;
  /** After the stop signal, in-flight requests get this long before their connections are cut. Default 10 s. */
  shutdownGraceMs?: number;
  /** Answers ACME HTTP-01 challenges (`/.well-known/acme-challenge/`) before routing; absent: they are routed like any path. */
  acmeChallenges?: AcmeChallengeLookup;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_UNREACHABLE_SKIP_MS = 5_000;

export interface ListenOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  host?: string;
}

export class Router {
  constructor(private readonly options: RouterOptions) {}

  /** Listens until `signal` aborts; `stopped` resolves once every connection is closed. */
  async start(signal: AbortSignal, listen: ListenOptions = {}): Promise<{ port: number; stopped: Promise<void> }> {
    const o = this.options;
    const logger = o.logger.child({ component: 'router' });
    const connectTimeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const pools = new UpstreamPools({ connectTimeoutMs, bodyIdleTimeoutMs: o.upstreamIdleTimeoutMs ?? 55_000 });
    const balancer = new RoundRobin();
    const unreachable = new UnreachableBackends(o.clock ?? systemClock, o.unreachableSkipMs ?? DEFAULT_UNREACHABLE_SKIP_MS);
    const tunnels = new Set<Duplex>();
    const shared = {
      routes: o.routes, balancer, unreachable, logSink: o.logSink, logger, metrics: o.metrics ?? noRequestMetrics,
      inFlight: new InFlightRequests(), bytesRead: new ClientBytesRead(), requestTimeoutMs: o.requestTimeoutMs ?? 30_000, maxAttempts: o.maxAttempts ?? 3,
    };
    const proxyDeps: ProxyDeps = { ...shared, pools };
    const tunnelDeps: TunnelDeps = { ...shared, connectTimeoutMs, open: tunnels };
    const unsubscribe = o.routes.onChange(() => pools.prune(o.routes));

    const server = createServer({ maxHeaderSize: o.maxHeaderSize ?? 8192, keepAliveTimeout: o.clientIdleTimeoutMs ?? 90_000, requestTimeout: 0 });
    server.on('request', (req, res) => {
      if (o.acmeChallenges && answerAcmeChallenge(o.acmeChallenges, req, res, (e) => logger.warn('acme-challenge-lookup-failed', { error: e.message }))) return;
      proxyRequest(proxyDeps, req, res).catch((error: Error) => {
        logger.error('router-request-failed', { error: error.message });
        if (!res.headersSent) res.writeHead(503).end();
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      tunnelUpgrade(tunnelDeps, req, socket, head).catch((error: Error) => {
        logger.error('router-upgrade-failed', { error: error.message });
        socket.destroy();
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
      if (error.code === 'HPE_HEADER_OVERFLOW') {
        logger.warn('router-header-too-large', {});
        const requestId = randomUUID();
        return void sendRawPage(socket, routerErrorPage('H25', requestId), requestId);
      }
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });

    const port = await listenOn(server, listen.port ?? 8080, listen.host ?? '0.0.0.0');
    logger.info('router-listening', { port });

    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        unsubscribe();
        server.close(() => void pools.destroyAll().then(resolve));
        server.closeIdleConnections();
        const grace = setTimeout(() => {
          server.closeAllConnections();
        }, o.shutdownGraceMs ?? 10_000);
        grace.unref();
        // Websocket tunnels are not the server's connections any more; close() never waits for them.
        for (const t of tunnels) t.destroy();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    return { port, stopped };
  }
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
