// Upgrade requests (websockets): forward the handshake over a raw TCP connection, then splice the two sockets.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { LogSink } from '../logs/log-sink.js';
import type { Logger } from '../platform/logger.js';
import { formatAccessLine, type AccessRecord } from './access-log.js';
import { badRequestPage, misdirectedRequestPage, noSuchAppPage, routerErrorPage, sendRawPage } from './error-page.js';
import { clientAddress, isEncrypted, upstreamRequestHeaders } from './forwarded-headers.js';
import { isMisdirected } from './misdirected-request.js';
import { hostName } from './host-name.js';
import { malformedRequest } from './request-shape.js';
import type { ClientBytesRead } from './client-bytes-read.js';
import type { InFlightRequests } from './in-flight-requests.js';
import type { RequestMetrics } from './request-metrics.js';
import type { RoundRobin } from './round-robin.js';
import type { RouteBackend, RouteEntry, RouteTable } from './route-table.js';
import type { UnreachableBackends } from './unreachable-backends.js';
import type { RouterErrorCode } from './router-errors.js';

export interface TunnelDeps {
  routes: RouteTable;
  balancer: RoundRobin;
  logSink: LogSink;
  logger: Logger;
  metrics: RequestMetrics;
  inFlight: InFlightRequests;
  bytesRead: ClientBytesRead;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxAttempts: number;
  /** Backends whose connect failed a moment ago: tried last. */
  unreachable: UnreachableBackends;
  /** Open tunnels, so stopping the router can cut them. */
  open: Set<Duplex>;
}

type Outcome = Pick<AccessRecord, 'code' | 'dyno' | 'status' | 'bytes' | 'connectMs' | 'serviceMs'>;

export async function tunnelUpgrade(deps: TunnelDeps, req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const started = performance.now();
  const requestId = randomUUID();
  client.on('error', () => client.destroy());
  const route = deps.routes.get(req.headers.host);
  const request = { method: req.method ?? 'GET', path: req.url ?? '/', host: hostName(req.headers.host) ?? '', requestId, fwd: clientAddress(req), protocol: isEncrypted(req) ? 'https' as const : 'http' as const };
  // The handshake is the request: it is in flight until it is answered (or refused), not while the tunnel lasts.
  const socket = req.socket;
  const logTo = (appId: string, o: Outcome, concurrent: number) => {
    const record: AccessRecord = { ...request, ...o };
    deps.logSink.write(appId, 'router', '', formatAccessLine(record));
    deps.metrics.onRequest({
      appId, status: o.status, ...(o.code ? { code: o.code } : {}), durationMs: performance.now() - started,
      bytesIn: deps.bytesRead.take(socket), bytesOut: o.bytes, concurrent,
    });
  };
  const malformed = malformedRequest(req);
  if (malformed) {
    const page = badRequestPage(malformed, requestId);
    const bytes = sendRawPage(client, page, requestId);
    deps.logger.info('router-bad-request', { reason: malformed, host: req.headers.host, requestId });
    if (route) logTo(route.appId, { code: 'H25', dyno: '', status: page.status, bytes }, deps.inFlight.now(route.appId) + 1);
    return;
  }
  if (!route) {
    sendRawPage(client, noSuchAppPage(requestId), requestId);
    return;
  }
  const concurrent = deps.inFlight.begin(route.appId);
  let reported = false;
  const finish = (o: Outcome) => {
    if (reported) return;
    reported = true;
    deps.inFlight.end(route.appId);
    logTo(route.appId, o, concurrent);
  };
  try {
    await connectAndSplice(deps, req, client, head, route, requestId, started, finish);
  } catch (e) {
    // Not reported: the caller cuts the connection; the request must not stay counted in flight.
    if (!reported) deps.inFlight.end(route.appId);
    reported = true;
    throw e;
  }
}

async function connectAndSplice(
  deps: TunnelDeps, req: IncomingMessage, client: Duplex, head: Buffer, route: RouteEntry, requestId: string, started: number, finish: (o: Outcome) => void,
): Promise<void> {
  const refuse = (code: RouterErrorCode, dyno = '', extra: Partial<Outcome> = {}) => {
    const page = routerErrorPage(code, requestId);
    finish({ code, dyno, status: page.status, bytes: code === 'H27' ? 0 : sendRawPage(client, page, requestId), ...extra });
  };
  if (isMisdirected(deps.routes, req, route.appId)) {
    return finish({ dyno: '', status: 421, bytes: sendRawPage(client, misdirectedRequestPage(requestId), requestId) });
  }

  const refusal: RouterErrorCode | undefined = route.maintenance ? 'H80' : route.crashed ? 'H10' : route.backends.length === 0 ? 'H14' : undefined;
  if (refusal) return refuse(refusal);

  // As for plain requests, move to another backend only while nothing has been written to one.
  for (const backend of deps.balancer.order(route, deps.maxAttempts, (b) => deps.unreachable.isSkipped(b))) {
    const upstream = await connectTo(backend, deps.connectTimeoutMs);
    if (upstream instanceof Error) {
      deps.unreachable.failed(backend);
      deps.logger.warn('router-backend-unreachable', { app: route.appName, dyno: backend.dyno, host: backend.host, port: backend.port, error: upstream.message, requestId });
      continue;
    }
    deps.unreachable.connected(backend);
    if (client.destroyed) {
      upstream.destroy();
      return refuse('H27', backend.dyno);
    }
    const connectMs = performance.now() - started;
    const headers = upstreamRequestHeaders(req, { requestId, upgrade: true });
    let handshake = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) handshake += `${headers[i]}: ${headers[i + 1]}\r\n`;
    upstream.write(handshake + '\r\n');
    if (head.length > 0) upstream.write(head);
    splice(deps, client, upstream, backend, connectMs, refuse, finish);
    return;
  }
  refuse('H19');
}

function splice(
  deps: TunnelDeps,
  client: Duplex,
  upstream: Socket,
  backend: RouteBackend,
  connectMs: number,
  refuse: (code: RouterErrorCode, dyno: string, extra: Partial<Outcome>) => void,
  finish: (o: Outcome) => void,
): void {
  const t0 = performance.now();
  // waiting: handshake sent, no answer yet; open: bytes flow both ways; failed: we answered with an error page.
  let state: 'waiting' | 'open' | 'failed' = 'waiting';
  deps.open.add(client);
  const timings = () => ({ connectMs, serviceMs: performance.now() - t0 });
  const fail = (code: RouterErrorCode) => {
    if (state !== 'waiting') return;
    state = 'failed';
    clearTimeout(timer);
    upstream.destroy();
    refuse(code, backend.dyno, timings());
  };
  const timer = setTimeout(() => fail('H12'), deps.requestTimeoutMs);

  upstream.once('data', (chunk: Buffer) => {
    if (state !== 'waiting') return;
    state = 'open';
    clearTimeout(timer);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16))?.[1] ?? 0);
    finish({ dyno: backend.dyno, status, bytes: 0, ...timings() });
    client.write(chunk);
    upstream.pipe(client);
  });
  client.pipe(upstream);
  upstream.on('error', () => {});
  upstream.on('close', () => {
    if (state === 'waiting') fail('H13');
    else if (state === 'open') client.destroy();
  });
  client.on('close', () => {
    deps.open.delete(client);
    fail('H27');
    upstream.destroy();
  });
}

function connectTo(backend: RouteBackend, timeoutMs: number): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: backend.host, port: backend.port });
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${timeoutMs}ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    });
  });
}
