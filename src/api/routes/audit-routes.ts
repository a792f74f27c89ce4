// GET /audit-events: the audit trail, newest first, filtered by actor (email), app, team, action and
// time (since / until, ISO 8601), paged with Range on `seq` (the order of recording; times can tie).
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { listAuditEvents, type AuditPage, type AuditQuery } from '../../services/audit-trail.js';
import type { ApiContext } from '../api-context.js';
import { auditEventJson } from '../audit-event-serializer.js';
import { actorOf } from '../authentication.js';
import { paginate, parseRange, type RangeSpec } from '../pagination.js';

const FILTERS = ['actor', 'app', 'team', 'action', 'since', 'until'] as const;

function queryOf(raw: Record<string, unknown>): AuditQuery {
  const q: AuditQuery = {};
  for (const name of FILTERS) {
    const value = raw[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw new BerthError('bad_request', `Give the ${name} filter once.`, 'audit_event');
    q[name] = value;
  }
  return q;
}

/** The Range bounds as the store's seq bounds; one row more than the page, so paginate() sees whether another page follows. */
function pageOf(spec: RangeSpec): AuditPage {
  const seq = (raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new BerthError('bad_request', `Range bounds on seq are whole numbers (got ${JSON.stringify(raw)}).`);
    return Number(raw);
  };
  const start = seq(spec.start);
  const end = seq(spec.end);
  const first = start === undefined ? undefined : start + (spec.exclusiveStart ? (spec.order === 'desc' ? -1 : 1) : 0);
  const [fromSeq, toSeq] = spec.order === 'desc' ? [end, first] : [first, end];
  return { fromSeq, toSeq, order: spec.order, limit: spec.max + 1 };
}

export function registerAuditRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: Record<string, unknown> }>('/audit-events', async (req, reply) => {
    const spec = parseRange(req.headers.range, ['seq'], 'seq');
    // Newest first unless the client asks otherwise: what someone reading a trail wants first.
    if (!req.headers.range?.trim()) spec.order = 'desc';
    const events = await listAuditEvents(ctx, actorOf(req), queryOf(req.query ?? {}), pageOf(spec));
    const page = paginate(events, spec, (e) => e.seq);
    return reply.status(page.status).headers(page.headers).send(page.items.map(auditEventJson));
  });
}
