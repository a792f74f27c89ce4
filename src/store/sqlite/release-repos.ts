// Releases, slugs and builds on SQLite.
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { BuildRepo, ReleaseRepo, SlugRepo } from '../store.js';
import { configSnapshotReader, saveConfigSnapshot } from './config-snapshots.js';
import type { RepoContext } from './repo-context.js';
import { toBuild, toRelease, toSlug } from './rows.js';

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
  const makeCurrent = (appId: string, id: string): void => {
    const now = ctx.now();
    const next = db.prepare('SELECT version, rollout_state FROM releases WHERE app_id = ? AND id = ?').get(appId, id) as Row | undefined;
    if (!next) throw new BerthError('release_not_found', "Couldn't find that release.", 'release');
    if (next.rollout_state !== 'pending') throw new Error(`release ${id} is ${String(next.rollout_state)}, not pending: it cannot become current`);
    const previous = db.prepare('SELECT current_release_id AS id FROM apps WHERE id = ?').get(appId) as { id: string | null } | undefined;
    if (previous?.id) {
      db.prepare(`UPDATE releases SET rollout_state = 'superseded', rollout_reason = ?, rollout_changed_at = ?, updated_at = ?
                  WHERE id = ? AND rollout_state IN ('pending', 'releasing')`)
        .run(`superseded by v${String(next.version)} before it went live`, now, now, previous.id);
    }
    db.prepare(`UPDATE releases SET rollout_state = 'releasing', rollout_reason = NULL, rollout_changed_at = ?, current_at = ?, updated_at = ? WHERE id = ?`)
      .run(now, now, now, id);
    db.prepare('UPDATE apps SET current_release_id = ? WHERE id = ?').run(id, appId);
  };
  return {
    async create(r) {
      const now = ctx.now();
      const id = ctx.newId();
      // MAX()+1 inside the store's write lock: versions strictly increase, never repeat.
      const { v } = db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM releases WHERE app_id = ?').get(r.appId) as { v: number };
      // Outside a store transaction the snapshot, the release and the pointer still land together, or none.
      db.transaction(() => {
        const hash = saveConfigSnapshot(db, r.appId, r.config);
        db.prepare(`INSERT INTO releases (id, app_id, version, description, rollout_state, rollout_changed_at, slug_id, config_hash, user_id, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`)
          .run(id, r.appId, v, r.description, now, r.slugId, hash, r.userId, now, now);
        if (r.current) makeCurrent(r.appId, id);
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
      return one('SELECT r.* FROM apps a JOIN releases r ON r.id = a.current_release_id WHERE a.id = ?', appId);
    },
    async makeCurrent(appId, id) {
      db.transaction(() => makeCurrent(appId, id))();
      return one('SELECT * FROM releases WHERE id = ?', id)!;
    },
    async setRollout(id, state, reason = null) {
      const now = ctx.now();
      const from = state === 'failed' ? ['pending', 'releasing'] : ['releasing'];
      const changed = db.prepare(`UPDATE releases SET rollout_state = ?, rollout_reason = ?, rollout_changed_at = ?, updated_at = ?
                                  WHERE id = ? AND rollout_state IN (${from.map(() => '?').join(', ')})`)
        .run(state, reason, now, now, id, ...from).changes;
      return changed === 1 ? one('SELECT * FROM releases WHERE id = ?', id) : undefined;
    },
    async withRollout(states) {
      if (states.length === 0) return [];
      return withConfig(db.prepare(`SELECT * FROM releases WHERE rollout_state IN (${states.map(() => '?').join(', ')}) ORDER BY app_id, version`)
        .all(...states) as Row[]);
    },
  };
}

export function sqliteSlugs(db: Database.Database, ctx: RepoContext): SlugRepo {
  return {
    async create(s) {
      const id = ctx.newId();
      db.prepare(`INSERT INTO slugs (id, app_id, location, process_types, healthchecks, buildpack_description, commit_sha, size_bytes, cron_jobs, created_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, s.appId, s.location, JSON.stringify(s.processTypes), JSON.stringify(s.healthchecks ?? {}), s.buildpackDescription, s.commit, s.sizeBytes, JSON.stringify(s.cronJobs ?? []), ctx.now());
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
    async withStatus(status) {
      return (db.prepare('SELECT * FROM builds WHERE status = ? ORDER BY created_at, rowid').all(status) as Row[]).map(toBuild);
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
