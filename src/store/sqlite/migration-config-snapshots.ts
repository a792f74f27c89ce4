// Migration 3: each release held a full JSON copy of its config, so a big config copied into every
// deploy, rollback and config change grew the database without bound. This moves every release's
// config into `config_snapshots` (one row per distinct config of an app) and rebuilds `releases`
// with a `config_hash` in place of the copy. Nothing is lost: the snapshot text is the same vars.
import type Database from 'better-sqlite3';
import { saveConfigSnapshot } from './config-snapshots.js';

export function moveReleaseConfigsToSnapshots(db: Database.Database): void {
  db.exec(`
  CREATE TABLE config_snapshots (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    vars TEXT NOT NULL,
    UNIQUE (app_id, hash)
  );
  CREATE TABLE releases_next (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    slug_id TEXT REFERENCES slugs(id),
    config_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, version),
    FOREIGN KEY (app_id, config_hash) REFERENCES config_snapshots (app_id, hash)
  );
  `);
  // One row at a time, by rowid: better-sqlite3 cannot write while a read cursor is open, and a
  // bloated table (the probe grew one to 67 MiB) must not be read into memory at once.
  const rowids = (db.prepare('SELECT rowid AS rid FROM releases ORDER BY rowid').all() as { rid: number }[]).map((r) => r.rid);
  const read = db.prepare('SELECT * FROM releases WHERE rowid = ?');
  const insert = db.prepare(`INSERT INTO releases_next (id, app_id, version, description, status, slug_id, config_hash, user_id, created_at, updated_at)
                             VALUES (@id, @app_id, @version, @description, @status, @slug_id, @config_hash, @user_id, @created_at, @updated_at)`);
  for (const rid of rowids) {
    const { config, ...row } = read.get(rid) as Record<string, unknown> & { app_id: string; config: string };
    insert.run({ ...row, config_hash: saveConfigSnapshot(db, row.app_id, JSON.parse(config) as Record<string, string>) });
  }
  db.exec(`
  DROP TABLE releases;
  ALTER TABLE releases_next RENAME TO releases;
  CREATE INDEX releases_config ON releases(app_id, config_hash);
  `);
}
