// Config snapshots: every distinct config an app's releases ran with, stored once and named by
// the SHA-256 of its canonical JSON. A release references its snapshot by hash, so a hundred
// deploys of the same 30 KB config keep 30 KB, not 3 MB. Snapshots are per app (the app id is part
// of the key): identical configs of two tenants never share a row, and deleting an app takes
// its snapshots with it.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ConfigVars } from '../../domain/types.js';

/** The same vars in any order give the same text, so they give the same hash. */
export function canonicalConfig(vars: ConfigVars): string {
  return JSON.stringify(Object.fromEntries(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

export const configHash = (canonical: string): string => createHash('sha256').update(canonical).digest('hex');

/** Stores the snapshot unless the app already has it; returns its hash. Runs inside the caller's transaction. */
export function saveConfigSnapshot(db: Database.Database, appId: string, vars: ConfigVars): string {
  const text = canonicalConfig(vars);
  const hash = configHash(text);
  db.prepare('INSERT INTO config_snapshots (app_id, hash, vars) VALUES (?, ?, ?) ON CONFLICT (app_id, hash) DO NOTHING').run(appId, hash, text);
  return hash;
}

/** Reads snapshots, each parsed once however many releases share it. */
export function configSnapshotReader(db: Database.Database): (appId: string, hash: string) => ConfigVars {
  const parsed = new Map<string, ConfigVars>();
  const read = db.prepare('SELECT vars FROM config_snapshots WHERE app_id = ? AND hash = ?');
  return (appId, hash) => {
    const key = `${appId}/${hash}`;
    let vars = parsed.get(key);
    if (!vars) {
      const row = read.get(appId, hash) as { vars: string } | undefined;
      if (!row) throw new Error(`config snapshot ${hash} of app ${appId} is missing`);
      vars = JSON.parse(row.vars) as ConfigVars;
      parsed.set(key, vars);
    }
    // A copy per release: releases are handed out as independent values.
    return { ...vars };
  };
}
