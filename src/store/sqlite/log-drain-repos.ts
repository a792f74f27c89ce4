// Log drains on SQLite (migration 10: log_drains).
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { LogDrain } from '../../domain/log-drains.js';
import type { LogDrainRepo } from '../log-drain-repo.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;

const toDrain = (r: Row): LogDrain => ({
  id: r.id as string, appId: r.app_id as string, url: r.url as string, token: r.token as string,
  createdAt: r.created_at as string, updatedAt: r.updated_at as string,
});

export function sqliteLogDrains(db: Database.Database, ctx: RepoContext): LogDrainRepo {
  return {
    async create(d) {
      const now = ctx.now();
      const drain: LogDrain = { id: ctx.newId(), appId: d.appId, url: d.url, token: d.token, createdAt: now, updatedAt: now };
      try {
        db.prepare('INSERT INTO log_drains (id, app_id, url, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(drain.id, drain.appId, drain.url, drain.token, now, now);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new BerthError('name_taken', `This app already has a drain to ${d.url}.`, 'log-drain');
        throw e;
      }
      return drain;
    },
    async list(appId) {
      return (db.prepare('SELECT * FROM log_drains WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toDrain);
    },
    async all() {
      return (db.prepare('SELECT * FROM log_drains ORDER BY app_id, created_at, rowid').all() as Row[]).map(toDrain);
    },
    async find(appId, identity) {
      const row = db.prepare('SELECT * FROM log_drains WHERE app_id = ? AND (id = ? OR url = ? OR token = ?)').get(appId, identity, identity, identity) as Row | undefined;
      return row && toDrain(row);
    },
    async delete(appId, id) {
      db.prepare('DELETE FROM log_drains WHERE app_id = ? AND id = ?').run(appId, id);
    },
  };
}
