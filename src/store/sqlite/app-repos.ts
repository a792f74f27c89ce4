// Apps, their config vars and their formation on SQLite.
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { AppRepo, ConfigRepo, FormationRepo } from '../store.js';
import type { RepoContext } from './repo-context.js';
import { toApp, toFormation } from './rows.js';

type Row = Record<string, unknown>;

const isUniqueViolation = (e: unknown) => e instanceof Error && /UNIQUE constraint failed: apps\.name/.test(e.message);

export function sqliteApps(db: Database.Database, ctx: RepoContext): AppRepo {
  const byId = (id: string) => {
    const r = db.prepare('SELECT * FROM apps WHERE id = ?').get(id) as Row | undefined;
    return r && toApp(r);
  };
  return {
    async create(a) {
      const now = ctx.now();
      const id = ctx.newId();
      try {
        db.prepare('INSERT INTO apps (id, name, owner_id, team_id, stack, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(id, a.name, a.ownerId, a.teamId ?? null, a.stack, now, now);
      } catch (e) {
        if (isUniqueViolation(e)) throw new BerthError('name_taken', `Name ${a.name} is already taken.`, 'app');
        throw e;
      }
      db.prepare('INSERT INTO config_vars (app_id, vars) VALUES (?, ?)').run(id, '{}');
      return byId(id)!;
    },
    async byId(id) {
      return byId(id);
    },
    async byName(name) {
      const r = db.prepare('SELECT * FROM apps WHERE name = ?').get(name) as Row | undefined;
      return r && toApp(r);
    },
    async list(filter = {}) {
      const rows = filter.teamId
        ? db.prepare('SELECT * FROM apps WHERE team_id = ? ORDER BY name').all(filter.teamId)
        : filter.ownerId
          ? db.prepare('SELECT * FROM apps WHERE owner_id = ? ORDER BY name').all(filter.ownerId)
          : db.prepare('SELECT * FROM apps ORDER BY name').all();
      return (rows as Row[]).map(toApp);
    },
    async listReachable(userId) {
      const rows = db.prepare(`SELECT * FROM apps WHERE (owner_id = ? AND team_id IS NULL)
        OR team_id IN (SELECT team_id FROM team_members WHERE user_id = ?)
        OR id IN (SELECT app_id FROM app_collaborators WHERE user_id = ?) ORDER BY name`).all(userId, userId, userId);
      return (rows as Row[]).map(toApp);
    },
    async update(id, c) {
      const current = byId(id);
      if (!current) throw new BerthError('app_not_found', "Couldn't find that app.", 'app');
      const next = { ...current, ...c };
      try {
        db.prepare('UPDATE apps SET name = ?, maintenance = ?, buildpacks = ?, released_at = ?, stack = ?, owner_id = ?, team_id = ?, updated_at = ? WHERE id = ?')
          .run(next.name, next.maintenance ? 1 : 0, JSON.stringify(next.buildpacks), next.releasedAt, next.stack, next.ownerId, next.teamId, ctx.now(), id);
      } catch (e) {
        if (isUniqueViolation(e)) throw new BerthError('name_taken', `Name ${next.name} is already taken.`, 'app');
        throw e;
      }
      return byId(id)!;
    },
    async delete(id) {
      // Releases reference slugs; remove them before the cascade reaches slugs.
      db.prepare('DELETE FROM releases WHERE app_id = ?').run(id);
      db.prepare('DELETE FROM apps WHERE id = ?').run(id);
    },
  };
}

export function sqliteConfig(db: Database.Database): ConfigRepo {
  return {
    async get(appId) {
      const r = db.prepare('SELECT vars FROM config_vars WHERE app_id = ?').get(appId) as { vars: string } | undefined;
      return r ? (JSON.parse(r.vars) as Record<string, string>) : {};
    },
    async replace(appId, vars) {
      db.prepare('INSERT INTO config_vars (app_id, vars) VALUES (?, ?) ON CONFLICT(app_id) DO UPDATE SET vars = excluded.vars')
        .run(appId, JSON.stringify(vars));
    },
  };
}

export function sqliteFormation(db: Database.Database, ctx: RepoContext): FormationRepo {
  const get = (appId: string, type: string) => {
    const r = db.prepare('SELECT * FROM formation WHERE app_id = ? AND type = ?').get(appId, type) as Row | undefined;
    return r && toFormation(r);
  };
  return {
    async list(appId) {
      return (db.prepare('SELECT * FROM formation WHERE app_id = ? ORDER BY type').all(appId) as Row[]).map(toFormation);
    },
    async get(appId, type) {
      return get(appId, type);
    },
    async upsert(appId, type, c) {
      const now = ctx.now();
      const existing = get(appId, type);
      if (existing) {
        db.prepare('UPDATE formation SET quantity = ?, size = ?, updated_at = ? WHERE id = ?')
          .run(c.quantity ?? existing.quantity, c.size ?? existing.size, now, existing.id);
      } else {
        db.prepare('INSERT INTO formation (id, app_id, type, quantity, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(ctx.newId(), appId, type, c.quantity ?? 0, c.size ?? 'standard-1x', now, now);
      }
      return get(appId, type)!;
    },
    async delete(appId, type) {
      db.prepare('DELETE FROM formation WHERE app_id = ? AND type = ?').run(appId, type);
    },
  };
}
