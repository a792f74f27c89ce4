// The router's lifecycle: one Node HTTP server feeding the proxy pipeline and the websocket tunnel.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { SecureContext, TLSSocket } from 'node:tls';
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
import type { TlsCertificates } from './tls-certificates.js';
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
  /** Also listen for HTTPS (HTTP/1.1 and HTTP/2 by ALPN, SNI picking each app's certificate). */
  https?: HttpsListenOptions;
}

export interface HttpsListenOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  certificates: TlsCertificates;
  /** The port `http-redirect` sends clients to; default the port listened on (443 behind a port forward, say). */
  publicPort?: number;
}

export class Router {
  constructor(private readonly options: RouterOptions) {}

  /** Listens until `signal` aborts; `stopped` resolves once every connection is closed. */
  async start(signal: AbortSignal, listen: ListenOptions = {}): Promise<{ port: number; httpsPort?: number; stopped: Promise<void> }> {
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
    const servers: Array<Server | Http2SecureServer> = [];
    const sessions = new Set<ServerHttp2Session>();
    const tlsSockets = new Set<TLSSocket>();
    const busyTls = new Set<unknown>();
    const tunnelDeps: TunnelDeps = { ...shared, connectTimeoutMs, open: tunnels };
    const unsubscribe = o.routes.onChange(() => pools.prune(o.routes));

    const server = createServer({ maxHeaderSize: o.maxHeaderSize ?? 8192, keepAliveTimeout: o.clientIdleTimeoutMs ?? 90_000, requestTimeout: 0 });
    const serve = (on: Server | Http2SecureServer) => {
      servers.push(on);
      // HTTP/2 requests come through Node's compatibility API, which has the members the proxy
      // pipeline reads (headers, rawHeaders, url, socket, writeHead, write, end).
      on.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (o.acmeChallenges && answerAcmeChallenge(o.acmeChallenges, req, res, (e) => logger.warn('acme-challenge-lookup-failed', { error: e.message }))) return;
        proxyRequest(proxyDeps, req, res).catch((error: Error) => {
          logger.error('router-request-failed', { error: error.message });
          if (!res.headersSent) res.writeHead(503).end();
          else res.destroy();
        });
      });
      // Websockets are HTTP/1.1 upgrades, over TLS too (an HTTP/2 client negotiates HTTP/1.1 for them).
      on.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        tunnelUpgrade(tunnelDeps, req, socket, head).catch((error: Error) => {
          logger.error('router-upgrade-failed', { error: error.message });
          socket.destroy();
        });
      });
      on.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
        if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
        if (error.code === 'HPE_HEADER_OVERFLOW') {
          logger.warn('router-header-too-large', {});
          const requestId = randomUUID();
          return void sendRawPage(socket, routerErrorPage('H25', requestId), requestId);
        }
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
    };
    serve(server);
    let secure: Http2SecureServer | undefined;
    if (listen.https) {
      const certificates = listen.https.certificates;
      secure = createSecureServer({
        allowHTTP1: true,
        // HTTP/2 clients are told the header limit; HTTP/1.1 ones over TLS get Node's default (16 KiB).
        settings: { maxHeaderListSize: o.maxHeaderSize ?? 8192 },
        // Served to clients without SNI; SNICallback picks the context for every other one.
        ...certificates.fallbackPair,
        SNICallback: (servername: string, done: (error: Error | null, context?: SecureContext) => void) => done(null, certificates.contextFor(servername)),
      });
      secure.setTimeout(o.clientIdleTimeoutMs ?? 90_000);
      secure.on('tlsClientError', (error: Error) => logger.info('router-tls-handshake-failed', { error: error.message }));
      secure.on('session', (session: ServerHttp2Session) => {
        sessions.add(session);
        session.on('close', () => sessions.delete(session));
      });
      secure.on('secureConnection', (socket: TLSSocket) => {
        tlsSockets.add(socket);
        socket.on('close', () => tlsSockets.delete(socket));
      });
      // Which HTTPS/1.1 connections are answering a request: at stop the others are closed at once.
      secure.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (req.httpVersionMajor >= 2) return;
        busyTls.add(req.socket);
        res.on('close', () => busyTls.delete(req.socket));
      });
      serve(secure);
    }
    const port = await listenOn(server, listen.port ?? 8080, listen.host ?? '0.0.0.0');
    logger.info('router-listening', { port });
    let httpsPort: number | undefined;
    if (secure && listen.https) {
      httpsPort = await listenOn(secure, listen.https.port, listen.https.host ?? listen.host ?? '0.0.0.0').catch((e: Error) => {
        server.close();
        throw e;
      });
      proxyDeps.httpsPort = listen.https.publicPort ?? httpsPort;
      logger.info('router-https-listening', { port: httpsPort });
    }

    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        unsubscribe();
        const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
        void Promise.all(closed).then(() => pools.destroyAll()).then(resolve);
        server.closeIdleConnections();
        // HTTP/2 sessions get GOAWAY (streams in flight finish); idle HTTPS/1.1 connections close now.
        for (const session of sessions) session.close();
        for (const socket of tlsSockets) if (socket.alpnProtocol !== 'h2' && !busyTls.has(socket)) socket.end();
        const grace = setTimeout(() => {
          for (const socket of tlsSockets) socket.destroy();
          server.closeAllConnections();
          for (const session of sessions) session.destroy();
        }, o.shutdownGraceMs ?? 10_000);
        grace.unref();
        // Websocket tunnels are not the server's connections any more; close() never waits for them.
        for (const t of tunnels) t.destroy();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    return { port, httpsPort, stopped };
  }
}

function listenOn(server: Server | Http2SecureServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
