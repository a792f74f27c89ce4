// Reading the audit trail (GET /audit-events, `berth audit`): the filters a user gives, checked and
// turned into the store's, inside what auditScopeFor lets the actor see.
import { BerthError } from '../domain/errors.js';
import type { AuditEvent, User } from '../domain/types.js';
import { looksLikeId } from '../platform/ids.js';
import type { AuditFilter } from '../store/store.js';
import { auditScopeFor } from './audit-scope.js';
import type { ServiceDeps } from './service-deps.js';

export interface AuditQuery {
  /** The actor's email. */
  actor?: string;
  /** An app's id or name; a name no app has now finds the events of a destroyed app of that name. */
  app?: string;
  team?: string;
  action?: string;
  /** ISO 8601 instants, both inclusive. */
  since?: string;
  until?: string;
}

/** Where one page starts and ends, in the order of recording (seq). */
export interface AuditPage {
  fromSeq?: number;
  toSeq?: number;
  order: 'asc' | 'desc';
  limit: number;
}

/** An ISO 8601 date or date-time, as the store writes them (UTC, milliseconds). */
export function parseInstant(value: string, name: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(ms)) throw new BerthError('invalid_params', `${name} must be an ISO 8601 time, e.g. 2026-11-30T09:00:00Z (got ${JSON.stringify(value)}).`, 'audit_event');
  return new Date(ms).toISOString();
}

async function filterOf(deps: ServiceDeps, q: AuditQuery): Promise<AuditFilter> {
  const f: AuditFilter = {};
  if (q.actor) f.actorEmail = q.actor.trim().toLowerCase();
  if (q.app) {
    const ref = q.app.trim();
    const app = looksLikeId(ref) ? undefined : await deps.store.apps.byName(ref.toLowerCase());
    // An app's id follows it through renames; a name alone is what a destroyed app left.
    if (looksLikeId(ref)) f.appId = ref;
    else if (app) f.appId = app.id;
    else f.appName = ref.toLowerCase();
  }
  if (q.team) {
    // A team by id or by name; a name no team has matches nothing, rather than every event.
    const ref = q.team.trim();
    f.teamId = looksLikeId(ref) ? ref : (await deps.store.teams.byName(ref.toLowerCase()))?.id ?? ref;
  }
  if (q.action) f.action = q.action.trim();
  if (q.since) f.since = parseInstant(q.since, 'since');
  if (q.until) f.until = parseInstant(q.until, 'until');
  return f;
}

/** Events the actor may see that match the query: one page of them, in the page's order. */
export async function listAuditEvents(deps: ServiceDeps, actor: User, q: AuditQuery, page: AuditPage): Promise<AuditEvent[]> {
  const filter = await filterOf(deps, q);
  const scope = await auditScopeFor(deps.store, actor);
  return deps.store.events.list({ ...filter, ...page, ...(scope.kind === 'limited' ? { visibleTo: scope.visibleTo } : {}) });
}
