// The audit trail on SQLite: the `events` table. Only INSERT and SELECT here; the table's triggers
// (migration 7) refuse UPDATE and DELETE from anywhere.
import type Database from 'better-sqlite3';
import type { AuditFilter, EventRepo } from '../store.js';
import type { RepoContext } from './repo-context.js';
import { toEvent } from './rows.js';

type Row = Record<string, unknown>;

function whereClause(filter: AuditFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const eq = (column: string, value: unknown) => { where.push(`${column} = ?`); args.push(value); };
  if (filter.actorId !== undefined) eq('actor_id', filter.actorId);
  if (filter.actorEmail !== undefined) eq('actor_email', filter.actorEmail);
  if (filter.appId !== undefined) eq('app_id', filter.appId);
  if (filter.appName !== undefined) eq('app_name', filter.appName);
  if (filter.teamId !== undefined) eq('team_id', filter.teamId);
  if (filter.action !== undefined) eq('action', filter.action);
  if (filter.since !== undefined) { where.push('created_at >= ?'); args.push(filter.since); }
  if (filter.until !== undefined) { where.push('created_at <= ?'); args.push(filter.until); }
  if (filter.fromSeq !== undefined) { where.push('seq >= ?'); args.push(filter.fromSeq); }
  if (filter.toSeq !== undefined) { where.push('seq <= ?'); args.push(filter.toSeq); }
  const v = filter.visibleTo;
  if (v) {
    const list = (ids: readonly string[]) => ids.map(() => '?').join(', ');
    where.push(`(actor_id = ? OR app_id IN (${list(v.appIds)}) OR team_id IN (${list(v.teamIds)}))`);
    args.push(v.actorId, ...v.appIds, ...v.teamIds);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

export function sqliteEvents(db: Database.Database, ctx: RepoContext): EventRepo {
  return {
    async append(e) {
      const id = ctx.newId();
      const { seq } = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM events').get() as { seq: number };
      db.prepare(`INSERT INTO events (id, seq, actor_id, actor_email, app_id, app_name, team_id, action, data, address, token_id, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, seq, e.actorId, e.actorEmail, e.appId, e.appName, e.teamId, e.action, JSON.stringify(e.data), e.address, e.tokenId, ctx.now());
      return toEvent(db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row);
    },
    async list(filter = {}) {
      const { sql, args } = whereClause(filter);
      const limit = filter.limit ?? 1000;
      if (filter.order) {
        const rows = db.prepare(`SELECT * FROM events ${sql} ORDER BY seq ${filter.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`).all(...args, limit) as Row[];
        return rows.map(toEvent);
      }
      const rows = db.prepare(`SELECT * FROM (SELECT * FROM events ${sql} ORDER BY seq DESC LIMIT ?) ORDER BY seq`).all(...args, limit) as Row[];
      return rows.map(toEvent);
    },
  };
}
