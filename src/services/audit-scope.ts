// Whose audit events an actor may read: the one function that decides it (GET /audit-events and
// `berth audit` go through it). Platform admins read every event; anyone else the events of the apps
// they can reach, and their own. Once apps belong to teams (issue 15, teams part), a team admin
// reads their teams' events too: that goes into `teamIds` here, and nowhere else.
import type { User } from '../domain/types.js';
import type { AuditVisibility, Repos } from '../store/store.js';

export type AuditScope = { kind: 'all' } | { kind: 'limited'; visibleTo: AuditVisibility };

export async function auditScopeFor(repos: Pick<Repos, 'apps'>, actor: User): Promise<AuditScope> {
  if (actor.isAdmin) return { kind: 'all' };
  const apps = await repos.apps.list({ ownerId: actor.id });
  return { kind: 'limited', visibleTo: { actorId: actor.id, appIds: apps.map((a) => a.id), teamIds: [] } };
}
