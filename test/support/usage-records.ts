// What the meter recorded, read straight from a server's own SQLite file (read-only): end-to-end
// checks compare a bill with these rows and with the instances the runtime reported, never with a
// wall-clock estimate.
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface IntervalRow { id: string; process_type: string; item: string; started_at: string; ended_at: string | null }

/** The recorded instance intervals of an app, oldest first. */
export function recordedIntervals(home: string, appName: string): IntervalRow[] {
  const db = new Database(join(home, 'db', 'berth.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT id, process_type, item, started_at, ended_at FROM usage_intervals WHERE kind = 'instance' AND app_name = ? ORDER BY started_at").all(appName) as IntervalRow[];
  } finally {
    db.close();
  }
}

/** Seconds the closed intervals lasted, together. */
export const intervalSeconds = (rows: IntervalRow[]): number =>
  rows.reduce((sum, r) => sum + (Date.parse(r.ended_at!) - Date.parse(r.started_at)) / 1000, 0);
