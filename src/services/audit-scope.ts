// Whose audit events an actor may read: the one function that decides it (GET /audit-events and
// `berth audit` go through it). Platform admins read every event; a team's admins its team's (the
// team's own changes and its apps'); anyone else the events of the apps they own, and their own.
import type { User } from '../domain/types.js';
import type { AuditVisibility, Repos } from '../store/store.js';

export type AuditScope = { kind: 'all' } | { kind: 'limited'; visibleTo: AuditVisibility };

export async function auditScopeFor(repos: Pick<Repos, 'apps' | 'teams'>, actor: User): Promise<AuditScope> {
  if (actor.isAdmin) return { kind: 'all' };
  const [apps, teams] = await Promise.all([repos.apps.list({ ownerId: actor.id }), repos.teams.listForUser(actor.id)]);
  const administered = teams.filter((t) => t.role === 'admin').map((t) => t.team.id);
  return { kind: 'limited', visibleTo: { actorId: actor.id, appIds: apps.map((a) => a.id), teamIds: administered } };
}
