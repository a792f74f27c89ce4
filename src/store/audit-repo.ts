// The audit trail's repository: the store's one record of "what happened". Append-only by design:
// there is no update or delete here on purpose, and the SQLite schema refuses them as well
// (migration 7), so an app's or user's destruction leaves its rows where they are.
import type { AuditEvent, Id, NewAuditEvent } from '../domain/types.js';

/** Which rows a reader may see: events of these apps or teams, or done by this actor. */
export interface AuditVisibility {
  appIds: readonly Id[];
  teamIds: readonly Id[];
  actorId: Id;
}

export interface AuditFilter {
  actorId?: Id;
  actorEmail?: string;
  appId?: Id;
  /** Matches the name the app had when the event was recorded (finds destroyed apps' events). */
  appName?: string;
  teamId?: Id;
  action?: string;
  /** ISO timestamps, both inclusive. */
  since?: string;
  until?: string;
  /** Absent: every row (an admin). */
  visibleTo?: AuditVisibility;
  /** Bounds on seq, both inclusive, for paging. */
  fromSeq?: number;
  toSeq?: number;
  /** `desc`: newest first. Without it: the newest `limit`, returned newest last. */
  order?: 'asc' | 'desc';
  limit?: number;
}

export interface EventRepo {
  append(e: NewAuditEvent): Promise<AuditEvent>;
  list(filter?: AuditFilter): Promise<AuditEvent[]>;
}
