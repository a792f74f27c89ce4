// Releases, slugs, builds and the audit trail on SQLite.
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { BuildRepo, EventRepo, ReleaseRepo, SlugRepo } from '../store.js';
import { configSnapshotReader, saveConfigSnapshot } from './config-snapshots.js';
import type { RepoContext } from './repo-context.js';
import { toBuild, toEvent, toRelease, toSlug } from './rows.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string => v as string;

/** A release's config is a snapshot it shares with every release of the app that ran the same vars (config-snapshots.ts). */
export function sqliteReleases(db: Database.Database, ctx: RepoContext): ReleaseRepo {
  const withConfig = (rows: Row[]) => {
    const configOf = configSnapshotReader(db);
    return rows.map((r) => toRelease(r, configOf(s(r.app_id), s(r.config_hash))));
  };
  const one = (sql: string, ...args: unknown[]) => {
    const r = db.prepare(sql).get(...args) as Row | undefined;
    return r && withConfig([r])[0];
  };
  return {
    async create(r) {
      const now = ctx.now();
      const id = ctx.newId();
      // MAX()+1 inside the store's write lock: versions strictly increase, never repeat.
      const { v } = db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM releases WHERE app_id = ?').get(r.appId) as { v: number };
      // Outside a store transaction the snapshot and the release still land together, or neither.
      db.transaction(() => {
        const hash = saveConfigSnapshot(db, r.appId, r.config);
        db.prepare(`INSERT INTO releases (id, app_id, version, description, status, slug_id, config_hash, user_id, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(id, r.appId, v, r.description, r.status, r.slugId, hash, r.userId, now, now);
      })();
      return one('SELECT * FROM releases WHERE id = ?', id)!;
    },
    async byId(appId, id) {
      return one('SELECT * FROM releases WHERE app_id = ? AND id = ?', appId, id);
    },
    async byVersion(appId, version) {
      return one('SELECT * FROM releases WHERE app_id = ? AND version = ?', appId, version);
    },
    async list(appId) {
      return withConfig(db.prepare('SELECT * FROM releases WHERE app_id = ? ORDER BY version').all(appId) as Row[]);
    },
    async current(appId) {
      return one("SELECT * FROM releases WHERE app_id = ? AND status = 'succeeded' ORDER BY version DESC LIMIT 1", appId);
    },
    async setStatus(id, status) {
      db.prepare('UPDATE releases SET status = ?, updated_at = ? WHERE id = ?').run(status, ctx.now(), id);
    },
  };
}

export function sqliteSlugs(db: Database.Database, ctx: RepoContext): SlugRepo {
  return {
    async create(s) {
      const id = ctx.newId();
      db.prepare(`INSERT INTO slugs (id, app_id, location, process_types, buildpack_description, commit_sha, size_bytes, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, s.appId, s.location, JSON.stringify(s.processTypes), s.buildpackDescription, s.commit, s.sizeBytes, ctx.now());
      return toSlug(db.prepare('SELECT * FROM slugs WHERE id = ?').get(id) as Row);
    },
    async byId(id) {
      const r = db.prepare('SELECT * FROM slugs WHERE id = ?').get(id) as Row | undefined;
      return r && toSlug(r);
    },
    async list(appId) {
      return (db.prepare('SELECT * FROM slugs WHERE app_id = ? ORDER BY created_at').all(appId) as Row[]).map(toSlug);
    },
  };
}

export function sqliteBuilds(db: Database.Database, ctx: RepoContext): BuildRepo {
  const byId = (id: string) => {
    const r = db.prepare('SELECT * FROM builds WHERE id = ?').get(id) as Row | undefined;
    return r && toBuild(r);
  };
  return {
    async create(b) {
      const now = ctx.now();
      const id = ctx.newId();
      db.prepare(`INSERT INTO builds (id, app_id, user_id, status, source_url, source_version, buildpacks, created_at, updated_at)
                  VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)`)
        .run(id, b.appId, b.userId, b.sourceUrl, b.sourceVersion, JSON.stringify(b.buildpacks), now, now);
      return byId(id)!;
    },
    async byId(appId, id) {
      const b = byId(id);
      return b && b.appId === appId ? b : undefined;
    },
    async list(appId) {
      return (db.prepare('SELECT * FROM builds WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toBuild);
    },
    async update(id, c) {
      const b = byId(id);
      if (!b) throw new BerthError('build_not_found', "Couldn't find that build.", 'build');
      const n = { ...b, ...c };
      db.prepare('UPDATE builds SET status = ?, slug_id = ?, release_id = ?, updated_at = ? WHERE id = ?')
        .run(n.status, n.slugId, n.releaseId, ctx.now(), id);
      return byId(id)!;
    },
  };
}

export function sqliteEvents(db: Database.Database, ctx: RepoContext): EventRepo {
  return {
    async append(e) {
      const id = ctx.newId();
      const { seq } = db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM events').get() as { seq: number };
      db.prepare('INSERT INTO events (id, seq, actor_id, app_id, action, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, seq, e.actorId, e.appId, e.action, JSON.stringify(e.data), ctx.now());
      return toEvent(db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.appId) { where.push('app_id = ?'); args.push(filter.appId); }
      if (filter.actorId) { where.push('actor_id = ?'); args.push(filter.actorId); }
      const sql = `SELECT * FROM (SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
                   ORDER BY seq DESC LIMIT ?) ORDER BY seq`;
      return (db.prepare(sql).all(...args, filter.limit ?? 1000) as Row[]).map(toEvent);
    },
  };
}
