// The endpoints only Berth's own routers call: the published routes as a long-lived NDJSON feed,
// and the routers' access-log lines into the apps' log streams. Both need the internal token
// (BERTH_HOME/run/internal-token) in their own header; a tenant's API token never opens them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import {
  INTERNAL_TOKEN_HEADER, ROUTE_FEED_HEARTBEAT_MS, type EdgeChange, type PublishedEdge, type PublishedRoute, type RouteChange, type RouteFeedMessage, type RouterByteCount,
} from '../../domain/internal-protocol.js';
import type { LogSink } from '../../logs/log-sink.js';
import { isInternalToken } from '../../platform/internal-token.js';
import type { ApiContext } from '../api-context.js';

/** The control plane's published routes (the health manager's route table). */
export interface RouteFeedSource {
  entries(): PublishedRoute[];
  onChange(listener: (change: RouteChange) => void): () => void;
}

/** Every app's domains, certificates and edge features (services/app-edges.ts). */
export interface EdgeFeedSource {
  entries(): PublishedEdge[];
  onChange(listener: (change: EdgeChange) => void): () => void;
}

export interface InternalRoutesDeps {
  token: string;
  routes: RouteFeedSource;
  /** Absent: the feed carries no edges (a router keeps the ones it has). */
  edges?: EdgeFeedSource;
  /** Resolves once the routes are complete after a start (every app reconciled once). */
  synced(): Promise<void>;
  logSink: LogSink;
  /** Records the routers' byte counts (the meter's router usage); absent: they are not kept. */
  routerBytes?: (counts: RouterByteCount[]) => Promise<void>;
  /** Ends every open feed, so that closing the API does not wait on them. */
  signal: AbortSignal;
  heartbeatMs?: number;
}

const MAX_LINES_PER_BATCH = 2000;
const MAX_LINE_LENGTH = 16 * 1024;
const APP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function internalRoutes(d: InternalRoutesDeps) {
  // Checked on request, before a body is read: the tenant token check is skipped (`public`) for these.
  const requireToken = async (req: FastifyRequest) => {
    if (!isInternalToken(d.token, req.headers[INTERNAL_TOKEN_HEADER])) throw new BerthError('unauthorized', 'This endpoint is for Berth\'s own processes.');
  };
  const internalOnly = { config: { public: true }, onRequest: requireToken };

  return (app: FastifyInstance, ctx: ApiContext): void => {
    app.get('/internal/routes', internalOnly, async (_req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
      const send = (m: RouteFeedMessage) => void res.write(JSON.stringify(m) + '\n');
      let unsubscribe = () => {};
      // Heartbeats flow from the start: a router waiting for the first snapshot knows the API lives.
      const heartbeat = setInterval(() => send({ type: 'heartbeat' }), d.heartbeatMs ?? ROUTE_FEED_HEARTBEAT_MS);
      heartbeat.unref();
      let closed = false;
      let markClosed!: () => void;
      const whenClosed = new Promise<void>((r) => (markClosed = r));
      const close = () => {
        if (closed) return;
        closed = true;
        markClosed();
        clearInterval(heartbeat);
        unsubscribe();
        d.signal.removeEventListener('abort', close);
        res.end();
      };
      res.on('close', close);
      res.on('error', (e) => {
        ctx.logger.warn('route-feed-write-failed', { error: e.message });
        close();
      });
      if (d.signal.aborted) return close();
      d.signal.addEventListener('abort', close, { once: true });
      send({ type: 'heartbeat' });
      // Until every app has been reconciled once the table is partial; a router keeps its own meanwhile.
      await Promise.race([d.synced(), whenClosed]);
      if (closed) return;
      // Snapshot and subscription in one synchronous step: no change can fall between them.
      const snapshot = (): RouteFeedMessage => ({ type: 'snapshot', routes: d.routes.entries(), ...(d.edges ? { edges: d.edges.entries() } : {}) });
      send(snapshot());
      const offRoutes = d.routes.onChange((change) => {
        if (change.type === 'snapshot') send(snapshot());
        else send(change);
      });
      const offEdges = d.edges?.onChange((change) => send(change));
      unsubscribe = () => {
        offRoutes();
        offEdges?.();
      };
    });

    app.post<{ Body: { lines?: unknown; bytes?: unknown } }>('/internal/router-logs', internalOnly, async (req, reply) => {
      const lines = req.body?.lines;
      const bytes = req.body?.bytes ?? [];
      if (!Array.isArray(bytes) || bytes.length > MAX_LINES_PER_BATCH || !bytes.every(isByteCount)) {
        throw new BerthError('invalid_params', 'bytes must be an array of {id, appId, minute, bytes} counts.');
      }
      if (!Array.isArray(lines) || lines.length > MAX_LINES_PER_BATCH) throw new BerthError('invalid_params', `lines must be an array of at most ${MAX_LINES_PER_BATCH}.`);
      const valid = lines.filter((l): l is { appId: string; message: string; time?: string } =>
        typeof l === 'object' && l !== null && typeof l.appId === 'string' && APP_ID.test(l.appId) && typeof l.message === 'string' && l.message.length <= MAX_LINE_LENGTH
        && (l.time === undefined || (typeof l.time === 'string' && ISO_TIME.test(l.time) && !Number.isNaN(Date.parse(l.time)))));
      if (valid.length !== lines.length) throw new BerthError('invalid_params', 'Each line needs an appId, a message and, if any, an ISO 8601 time.');
      // Recorded before the answer: a router that gets no answer sends the counts again, and their ids make that harmless.
      if (bytes.length > 0 && d.routerBytes) await d.routerBytes(bytes.map((b) => ({ ...b, minute: new Date(b.minute).toISOString() })));
      for (const l of valid) d.logSink.write(l.appId, 'router', '', l.message, l.time === undefined ? undefined : new Date(l.time).toISOString());
      return reply.status(204).send();
    });
  };
}

function isByteCount(b: unknown): b is RouterByteCount {
  if (typeof b !== 'object' || b === null) return false;
  const c = b as Record<string, unknown>;
  return typeof c.id === 'string' && c.id.length > 0 && c.id.length <= 64 && typeof c.appId === 'string' && APP_ID.test(c.appId)
    && typeof c.minute === 'string' && ISO_TIME.test(c.minute) && !Number.isNaN(Date.parse(c.minute))
    && typeof c.bytes === 'number' && Number.isSafeInteger(c.bytes) && c.bytes >= 0;
}
