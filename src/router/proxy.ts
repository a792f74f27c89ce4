// The HTTP proxy pipeline, top to bottom: route → app state → forward (with safe retries) → log.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LogSink } from '../logs/log-sink.js';
import type { Logger } from '../platform/logger.js';
import { formatAccessLine, type AccessRecord } from './access-log.js';
import { badRequestPage, misdirectedRequestPage, noSuchAppPage, routerErrorPage, sendPage } from './error-page.js';
import { forwardRequest } from './forward-request.js';
import { clientAddress, isEncrypted, upstreamRequestHeaders } from './forwarded-headers.js';
import type { ClientBytesRead } from './client-bytes-read.js';
import type { InFlightRequests } from './in-flight-requests.js';
import type { RequestMetrics } from './request-metrics.js';
import type { RoundRobin } from './round-robin.js';
import type { RouteBackend, RouteEntry, RouteTable } from './route-table.js';
import { hostName, requestHost } from './host-name.js';
import { isMisdirected } from './misdirected-request.js';
import { malformedRequest } from './request-shape.js';
import type { RouterErrorCode } from './router-errors.js';
import type { UnreachableBackends } from './unreachable-backends.js';
import { BackendGoneError, type UpstreamPools } from './upstream-pools.js';

export interface ProxyDeps {
  routes: RouteTable;
  balancer: RoundRobin;
  pools: UpstreamPools;
  logSink: LogSink;
  logger: Logger;
  metrics: RequestMetrics;
  /** Requests in flight per app (the concurrency each sample reports). */
  inFlight: InFlightRequests;
  /** Bytes each request read from its client connection. */
  bytesRead: ClientBytesRead;
  requestTimeoutMs: number;
  /** Backends tried per request when earlier ones refuse the connection. */
  maxAttempts: number;
  /** Backends whose connect failed a moment ago: tried last. */
  unreachable: UnreachableBackends;
  /** The port clients reach the router's HTTPS listener on; absent: no HTTPS, so no redirect to it. */
  httpsPort?: number;
}

/** Where ACME (RFC 8555 §8.3) asks for HTTP-01 tokens. */
const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

/** One year, as browsers' preload lists ask; an app that opts into HSTS means it. */
const HSTS = 'max-age=31536000';

type Outcome = Omit<AccessRecord, 'method' | 'path' | 'host' | 'requestId' | 'fwd' | 'protocol'>;

export async function proxyRequest(deps: ProxyDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  res.setHeader('X-Request-Id', requestId);

  // Read now: Node detaches req.socket once the response is done, before the log line is written.
  const socket = req.socket;
  const host = requestHost(req.headers);
  const encrypted = isEncrypted(req);
  const request = { method: req.method ?? 'GET', path: req.url ?? '', host: hostName(host) ?? '', requestId, fwd: clientAddress(req), protocol: encrypted ? 'https' as const : 'http' as const };

  // 1. Which app? Only for a request that names one unambiguously.
  const route = deps.routes.get(host);
  const malformed = malformedRequest(req);
  if (malformed) {
    res.shouldKeepAlive = false;
    const page = badRequestPage(malformed, requestId);
    const bytes = sendPage(res, page);
    deps.logger.info('router-bad-request', { reason: malformed, host, requestId });
    // The app the first Host names sees the attempt in its own log, as it would any request.
    // Answered at once: in flight alongside the app's others only for this moment.
    if (route) logRequest(deps, route, { ...request, code: 'H25', dyno: '', status: page.status, bytes }, { started, concurrent: deps.inFlight.now(route.appId) + 1, socket });
    return;
  }
  if (!route) {
    sendPage(res, noSuchAppPage(requestId));
    deps.logger.info('router-unknown-host', { host, requestId });
    deps.bytesRead.take(socket); // no app's: not charged to the connection's next request either
    return;
  }
  const concurrent = deps.inFlight.begin(route.appId);
  const finish = (outcome: Outcome) => logRequest(deps, route, { ...request, ...outcome }, { started, concurrent, socket });
  try {
    await serve(deps, req, res, route, { requestId, host: request.host, encrypted }, finish);
  } finally {
    deps.inFlight.end(route.appId);
  }
}

/** Steps 1a to 3 for a request whose app is known; `finish` reports how it ended. */
async function serve(
  deps: ProxyDeps, req: IncomingMessage, res: ServerResponse, route: RouteEntry,
  { requestId, host, encrypted }: { requestId: string; host: string; encrypted: boolean }, finish: (outcome: Outcome) => void,
): Promise<void> {
  // 1a. A TLS connection opened for another app's domain is not answered for this one.
  if (isMisdirected(deps.routes, req, route.appId)) {
    res.shouldKeepAlive = false;
    return finish({ dyno: '', status: 421, bytes: sendPage(res, misdirectedRequestPage(requestId)) });
  }

  // 1b. The app's edge features: plain HTTP sent to HTTPS, HSTS on HTTPS answers.
  const edge = deps.routes.edgeOf(route.appId);
  // ACME HTTP-01 challenges stay on plain HTTP: a certificate is often what the app is still waiting for.
  if (!encrypted && edge?.httpRedirect && deps.httpsPort !== undefined && !(req.url ?? '').startsWith(ACME_CHALLENGE_PATH)) {
    return finish({ dyno: '', status: redirectToHttps(res, req, host, deps.httpsPort), bytes: 0 });
  }
  if (encrypted && edge?.hsts) res.setHeader('Strict-Transport-Security', HSTS);

  // 2. Can the app take requests at all?
  const refusal: RouterErrorCode | undefined = route.maintenance ? 'H80' : route.crashed ? 'H10' : route.backends.length === 0 ? 'H14' : undefined;
  if (refusal) {
    const page = routerErrorPage(refusal, requestId);
    return finish({ code: refusal, dyno: '', status: page.status, bytes: sendPage(res, page) });
  }

  // 3. Forward. A retry on another backend happens when the attempt failed before anything
  // was written upstream (connection refused, unreachable or timed out while connecting: a
  // dead node's instances), whatever the method. Once request bytes have left, the app may
  // already be acting on them, and replaying a POST could charge a card twice; gorouter draws
  // the same line. One exception: a GET or HEAD without a body, written into a kept-alive
  // connection to a backend the router has since found gone (its machine died without a
  // word) and cut off with no answer, is sent to another backend, as RFC 9110 §9.2.2 lets an
  // intermediary repeat an idempotent request whose connection failed (nginx does too). A
  // connection the app itself closed is never a reason to repeat a request: that one could be
  // what crashed it.
  const headers = upstreamRequestHeaders(req, { requestId, dropExpect: true });
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  const skipped = (b: RouteBackend) => deps.unreachable.isSkipped(b);
  const repeatable = !hasBody && (req.method === 'GET' || req.method === 'HEAD');
  for (const backend of deps.balancer.order(route, deps.maxAttempts, skipped)) {
    const outcome = await forwardRequest(deps.pools.get(backend), req, res, { headers, hasBody, timeoutMs: deps.requestTimeoutMs });
    if (outcome.kind === 'failed' && repeatable && !outcome.responded && outcome.error instanceof BackendGoneError) {
      deps.logger.warn('router-request-repeated', { app: route.appName, dyno: backend.dyno, host: backend.host, port: backend.port, requestId });
      continue;
    }
    if (outcome.kind === 'unsent') {
      deps.unreachable.failed(backend);
      // Requests already written to its kept-alive connections will not be answered either: they
      // fail now (H13) instead of at H12, and no new request goes into those connections.
      if (outcome.gone) deps.pools.discard(backend);
      deps.logger.warn('router-backend-unreachable', { app: route.appName, dyno: backend.dyno, host: backend.host, port: backend.port, error: outcome.error.message, requestId });
      continue;
    }
    if (outcome.kind === 'done') {
      deps.unreachable.connected(backend);
      const { status, bytes, connectMs, serviceMs } = outcome;
      return finish({ dyno: backend.dyno, status, bytes, connectMs, serviceMs });
    }
    if (outcome.code === 'H99') deps.logger.error('router-proxy-failed', { app: route.appName, error: outcome.error?.message, requestId });
    const sent = outcome.responded || outcome.code === 'H27' ? outcome.bytes : sendPage(res, routerErrorPage(outcome.code, requestId));
    return finish({ dyno: backend.dyno, code: outcome.code, status: outcome.status, bytes: sent, connectMs: outcome.connectMs, serviceMs: outcome.serviceMs });
  }
  // Every backend refused: nothing was sent anywhere, but none can serve.
  const page = routerErrorPage('H19', requestId);
  finish({ code: 'H19', dyno: '', status: page.status, bytes: sendPage(res, page) });
}

/** 301 for GET and HEAD (cached by browsers), 308 otherwise (the method and body are kept). */
function redirectToHttps(res: ServerResponse, req: IncomingMessage, host: string, port: number): number {
  const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
  res.writeHead(status, { Location: `https://${host}${port === 443 ? '' : `:${port}`}${req.url ?? '/'}`, 'Content-Length': '0' });
  res.end();
  return status;
}

function logRequest(deps: ProxyDeps, route: RouteEntry, record: AccessRecord, at: { started: number; concurrent: number; socket: IncomingMessage['socket'] }): void {
  deps.logSink.write(route.appId, 'router', '', formatAccessLine(record));
  deps.metrics.onRequest({
    appId: route.appId, status: record.status, ...(record.code ? { code: record.code } : {}), durationMs: performance.now() - at.started,
    bytesIn: deps.bytesRead.take(at.socket), bytesOut: record.bytes, concurrent: at.concurrent,
  });
}
