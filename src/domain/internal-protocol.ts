// What the control plane (`berth api`) and its routers (`berth router`) say to each other over the
// internal endpoints: the published routes as an NDJSON feed, and router access-log lines (with the
// router's per-minute request counts) back.
import type { RouterMinute } from './metric-samples.js';

/** Where an app's up web instances are: written by the health manager, read by every router. */
export interface PublishedRoute {
  appId: string;
  appName: string;
  maintenance: boolean;
  backends: Array<{ instanceId: string; dyno: string; host: string; port: number }>;
  /** Web instances are wanted but every one has crashed (H10 rather than H14). */
  crashed: boolean;
}

/**
 * How an app is reached beyond its default name: its custom domains, the certificates to serve for
 * them and its edge features. Derived from the store by the API (services/app-edges.ts). Private
 * keys travel and rest sealed (SecretBox, BERTH_HOME/secret.key): the router opens them itself.
 */
export interface PublishedEdge {
  appId: string;
  /** `certificateId`: the certificate the user tied to the domain, if any. */
  domains: Array<{ hostname: string; certificateId: string | null }>;
  certificates: Array<{ id: string; hostnames: string[]; certificateChain: string; sealedPrivateKey: string; expiresAt: string }>;
  httpRedirect: boolean;
  hsts: boolean;
}

/** One line of `GET /internal/routes`: a full snapshot first, then changes, with heartbeats between. */
export type RouteFeedMessage =
  | { type: 'snapshot'; routes: PublishedRoute[]; edges?: PublishedEdge[] }
  | { type: 'set'; route: PublishedRoute }
  | { type: 'remove'; appName: string }
  | EdgeChange
  | { type: 'heartbeat' };

/** A change to one app's edge; `edge: null` when the app has none any more (destroyed, or nothing left). */
export type EdgeChange = { type: 'edge'; appId: string; edge: PublishedEdge | null };

/** A change to the published routes, as the feed's source announces it. */
export type RouteChange =
  | { type: 'set'; route: PublishedRoute }
  | { type: 'remove'; appName: string }
  | { type: 'snapshot' };

/** The body of `POST /internal/router-logs`: access-log lines, oldest first. */
export interface RouterLogBatch {
  /** `time`: when the router wrote the line (ISO 8601), kept however late it is delivered. */
  lines: Array<{ appId: string; message: string; time?: string }>;
  /**
   * What the router saw per app per minute (requests, errors, latency, bytes: the meter's router usage
   * is `bytesOut`), for minutes that have ended. See RouterMinuteReport for the id.
   */
  minutes?: RouterMinuteReport[];
}

/**
 * A RouterMinute on its way to the API. `id` is the report's own: a batch sent again after a lost
 * answer is counted once. One app's minute may come in several reports (requests that finished
 * while an earlier part was being delivered); keepers add them up.
 */
export interface RouterMinuteReport extends RouterMinute {
  id: string;
}

/** The header a router sends its internal token in (never a tenant's `Authorization`). */
export const INTERNAL_TOKEN_HEADER = 'x-berth-internal-token';

/** How often the API writes a heartbeat line on an idle route feed. */
export const ROUTE_FEED_HEARTBEAT_MS = 5_000;
