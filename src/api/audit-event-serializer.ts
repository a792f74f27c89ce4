// An audit event as the API shows it. The shape follows Heroku's audit trail events (actor, app, action,
// data, created_at) plus where the change came from: the client's address and the token's id.
import type { AuditEvent } from '../domain/types.js';

export function auditEventJson(e: AuditEvent) {
  return {
    id: e.id,
    seq: e.seq,
    action: e.action,
    actor: e.actorId || e.actorEmail ? { id: e.actorId, email: e.actorEmail } : null,
    app: e.appId || e.appName ? { id: e.appId, name: e.appName } : null,
    team: e.teamId ? { id: e.teamId } : null,
    data: e.data,
    address: e.address,
    token: e.tokenId ? { id: e.tokenId } : null,
    created_at: e.createdAt,
  };
}
