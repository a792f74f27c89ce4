// Builds the audit trail's entry for a change: who (the actor, and the address and token of the
// request they acted through, when there was one), which app and team, what. Every service writes
// its changes through this, so what an entry holds is decided once.
import type { Actor, App, Id, NewAuditEvent } from '../domain/types.js';

/** The app a change touched; `teamId` once apps belong to teams (issue 15, teams part). */
export type AuditedApp = Pick<App, 'id' | 'name'> & { teamId?: Id | null };

export function auditEntry(actor: Actor | null, app: AuditedApp | null, action: string, data: Record<string, unknown>): NewAuditEvent {
  return {
    actorId: actor?.id ?? null,
    actorEmail: actor?.email ?? null,
    appId: app?.id ?? null,
    appName: app?.name ?? null,
    teamId: app?.teamId ?? null,
    action,
    data,
    address: actor?.origin?.address ?? null,
    tokenId: actor?.origin?.tokenId ?? null,
  };
}

/** A change to a team itself (members, name): no app, the team's id in its own column. */
export function auditTeamEntry(actor: Actor | null, teamId: Id, action: string, data: Record<string, unknown>): NewAuditEvent {
  return { ...auditEntry(actor, null, action, data), teamId };
}
