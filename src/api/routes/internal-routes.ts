// The endpoints only Berth's own routers call: the published routes as a long-lived NDJSON feed,
// and the routers' access-log lines into the apps' log streams, with their per-app minutes (the
// meter's router bytes, and every metrics keeper's request counts). Both need the internal token
// (BERTH_HOME/run/internal-token) in their own header; a tenant's API token never opens them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import {
  INTERNAL_TOKEN_HEADER, ROUTE_FEED_HEARTBEAT_MS, type EdgeChange, type PublishedEdge, type PublishedRoute, type RouteChange, type RouteFeedMessage, type RouterMinuteReport,
} from '../../domain/internal-protocol.js';
import { LATENCY_BUCKETS_MS, type MetricsRecorder, type RouterMinute } from '../../domain/metric-samples.js';
import type { LogSink } from '../../logs/log-sink.js';
import type { RouterBytes } from '../../store/usage-repo.js';
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
  /**
   * Records each minute's `bytesOut` as the meter's router usage, under the report's id; returns the
   * ids it had not recorded before (a re-sent report is not among them). Absent: minutes are not kept.
   */
  routerUsage?: (counts: RouterBytes[]) => Promise<string[]>;
  /** Where each new minute goes (the metrics keepers, fanned out by main/). */
  metrics?: MetricsRecorder;
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

    app.post<{ Body: { lines?: unknown; minutes?: unknown } }>('/internal/router-logs', internalOnly, async (req, reply) => {
      const lines = req.body?.lines;
      const minutes = req.body?.minutes ?? [];
      if (!Array.isArray(minutes) || minutes.length > MAX_LINES_PER_BATCH || !minutes.every(isMinuteReport)) {
        throw new BerthError('invalid_params', 'minutes must be an array of router minute reports.');
      }
      if (!Array.isArray(lines) || lines.length > MAX_LINES_PER_BATCH) throw new BerthError('invalid_params', `lines must be an array of at most ${MAX_LINES_PER_BATCH}.`);
      const valid = lines.filter((l): l is { appId: string; message: string; time?: string } =>
        typeof l === 'object' && l !== null && typeof l.appId === 'string' && APP_ID.test(l.appId) && typeof l.message === 'string' && l.message.length <= MAX_LINE_LENGTH
        && (l.time === undefined || (typeof l.time === 'string' && ISO_TIME.test(l.time) && !Number.isNaN(Date.parse(l.time)))));
      if (valid.length !== lines.length) throw new BerthError('invalid_params', 'Each line needs an appId, a message and, if any, an ISO 8601 time.');
      // Recorded before the answer: a router that gets no answer sends the minutes again, and their
      // ids make that harmless. The meter's record says which are new; only those reach the keepers.
      if (minutes.length > 0 && d.routerUsage) {
        const fresh = new Set(await d.routerUsage(minutes.map((m) => ({ id: m.id, appId: m.appId, minute: new Date(m.minute).toISOString(), bytes: m.bytesOut }))));
        if (d.metrics) for (const m of minutes) if (fresh.has(m.id)) d.metrics.routerMinute(routerMinute(m));
      }
      for (const l of valid) d.logSink.write(l.appId, 'router', '', l.message, l.time === undefined ? undefined : new Date(l.time).toISOString());
      return reply.status(204).send();
    });
  };
}

const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const amount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
const STATUS_CLASS = /^[1-5]xx$/;
const ERROR_CODE = /^[A-Z][0-9]{2}$/;

function isMinuteReport(b: unknown): b is RouterMinuteReport {
  if (typeof b !== 'object' || b === null) return false;
  const m = b as Record<string, unknown>;
  const counts = (o: unknown, key: RegExp) => typeof o === 'object' && o !== null && !Array.isArray(o) && Object.entries(o).every(([k, v]) => key.test(k) && count(v));
  return typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 64 && typeof m.appId === 'string' && APP_ID.test(m.appId)
    && count(m.minute) && m.minute % 60_000 === 0
    && counts(m.statusClasses, STATUS_CLASS) && counts(m.errorCodes, ERROR_CODE)
    && Array.isArray(m.latencyBuckets) && m.latencyBuckets.length === LATENCY_BUCKETS_MS.length + 1 && m.latencyBuckets.every(count)
    && amount(m.latencySumMs) && count(m.bytesIn) && count(m.bytesOut) && count(m.peakConcurrent);
}

/** The minute without its report id: what keepers take. */
function routerMinute(m: RouterMinuteReport): RouterMinute {
  return {
    appId: m.appId, minute: m.minute, statusClasses: { ...m.statusClasses }, errorCodes: { ...m.errorCodes }, latencyBuckets: [...m.latencyBuckets],
    latencySumMs: m.latencySumMs, bytesIn: m.bytesIn, bytesOut: m.bytesOut, peakConcurrent: m.peakConcurrent,
  };
}
