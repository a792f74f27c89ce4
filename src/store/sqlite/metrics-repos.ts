// The metrics history's rows on SQLite (migration 10: metric_series, metric_points).
import type Database from 'better-sqlite3';
import type { MetricRow, MetricsRepo } from '../metrics-repo.js';

type Row = Record<string, unknown>;

const MINUTE_MS = 60_000;

export function sqliteMetrics(db: Database.Database): MetricsRepo {
  const findSeries = db.prepare('SELECT id FROM metric_series WHERE app_id = ? AND kind = ? AND series = ?');
  const addSeries = db.prepare('INSERT INTO metric_series (app_id, kind, series) VALUES (?, ?, ?)');
  const readPoint = db.prepare('SELECT data FROM metric_points WHERE series_id = ? AND step = ? AND minute = ?');
  const writePoint = db.prepare('INSERT OR REPLACE INTO metric_points (series_id, step, minute, data) VALUES (?, ?, ?, ?)');
  const seriesId = (r: MetricRow): number => {
    const found = findSeries.get(r.appId, r.kind, r.series) as Row | undefined;
    return found ? (found.id as number) : Number(addSeries.run(r.appId, r.kind, r.series).lastInsertRowid);
  };
  const minuteOf = (at: number) => Math.floor(at / MINUTE_MS);

  const merge = db.transaction((rows: readonly MetricRow[], combine: (kept: MetricRow, added: MetricRow) => string) => {
    for (const r of rows) {
      const id = seriesId(r);
      const kept = readPoint.get(id, r.stepSeconds, minuteOf(r.at)) as Row | undefined;
      const data = kept ? combine({ ...r, data: kept.data as string }, r) : r.data;
      writePoint.run(id, r.stepSeconds, minuteOf(r.at), data);
    }
  });
  const replace = db.transaction((rows: readonly MetricRow[]) => {
    for (const r of rows) writePoint.run(seriesId(r), r.stepSeconds, minuteOf(r.at), r.data);
  });

  return {
    async merge(rows, combine) {
      merge(rows, combine);
    },
    async replace(rows) {
      replace(rows);
    },
    async range(appId, stepSeconds, from, to) {
      const rows = db.prepare(`SELECT s.kind, s.series, p.minute, p.data FROM metric_series s
                               JOIN metric_points p ON p.series_id = s.id AND p.step = ? AND p.minute >= ? AND p.minute < ?
                               WHERE s.app_id = ? ORDER BY p.minute, s.kind, s.series`)
        .all(stepSeconds, Math.ceil(from / MINUTE_MS), Math.ceil(to / MINUTE_MS), appId) as Row[];
      return rows.map((r) => ({ appId, kind: r.kind as string, series: r.series as string, stepSeconds, at: (r.minute as number) * MINUTE_MS, data: r.data as string }));
    },
    async deleteBefore(stepSeconds, before) {
      // Per series, a range of the primary key: no scan of the whole table, no index to keep.
      const ids = (db.prepare('SELECT id FROM metric_series').all() as Row[]).map((r) => r.id as number);
      const del = db.prepare('DELETE FROM metric_points WHERE series_id = ? AND step = ? AND minute < ?');
      let deleted = 0;
      db.transaction(() => { for (const id of ids) deleted += del.run(id, stepSeconds, Math.ceil(before / MINUTE_MS)).changes; })();
      return deleted;
    },
    async forgetApp(appId) {
      db.transaction(() => {
        db.prepare('DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE app_id = ?)').run(appId);
        db.prepare('DELETE FROM metric_series WHERE app_id = ?').run(appId);
      })();
    },
  };
}
