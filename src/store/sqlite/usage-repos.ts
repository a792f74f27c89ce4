// The meter's rows on SQLite: usage_intervals and router_bytes (usage), prices and team_quotas (billing).
import type Database from 'better-sqlite3';
import type { BillingRepo, PriceList, TeamQuota } from '../billing-repo.js';
import type { UsageFilter, UsageInterval, UsageKind, UsageRepo } from '../usage-repo.js';

type Row = Record<string, unknown>;

const toInterval = (r: Row): UsageInterval => ({
  kind: r.kind as UsageKind, id: r.id as string, appId: r.app_id as string, appName: r.app_name as string, ownerId: r.owner_id as string,
  teamId: (r.team_id as string | null) ?? null, item: r.item as string, processType: (r.process_type as string | null) ?? null, startedAt: r.started_at as string,
  endedAt: (r.ended_at as string | null) ?? null, seenAt: r.seen_at as string,
});

/** A WHERE clause part (with its parameters) for a usage filter on a table with app_id and owner_id. */
function filterSql(filter: UsageFilter | undefined): { sql: string; params: unknown[] } {
  if (filter?.appIds) {
    if (filter.appIds.length === 0) return { sql: ' AND 0', params: [] };
    return { sql: ` AND app_id IN (${filter.appIds.map(() => '?').join(',')})`, params: [...filter.appIds] };
  }
  if (filter?.teamId) return { sql: ' AND team_id = ?', params: [filter.teamId] };
  if (filter?.ownerId) return { sql: ' AND owner_id = ? AND team_id IS NULL', params: [filter.ownerId] };
  return { sql: '', params: [] };
}

export function sqliteUsage(db: Database.Database): UsageRepo {
  // Never before its start: a runtime's exit time and our start time may come from different clocks.
  const close = (kind: UsageKind, id: string, endedAt: string) =>
    db.prepare('UPDATE usage_intervals SET ended_at = MAX(started_at, ?) WHERE kind = ? AND id = ? AND ended_at IS NULL').run(endedAt, kind, id);
  return {
    async open(i) {
      db.transaction(() => {
        db.prepare(`INSERT INTO usage_intervals (kind, id, app_id, app_name, owner_id, team_id, item, process_type, started_at, ended_at, seen_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (kind, id) DO NOTHING`)
          .run(i.kind, i.id, i.appId, i.appName, i.ownerId, i.teamId ?? null, i.item, i.processType, i.startedAt, i.seenAt);
        // The end through close(): one rule for ends, and an interval already open gets it too.
        if (i.endedAt) close(i.kind, i.id, i.endedAt);
      })();
    },
    async close(kind, id, endedAt) {
      close(kind, id, endedAt);
    },
    async openIntervals(kind) {
      return (db.prepare('SELECT * FROM usage_intervals WHERE kind = ? AND ended_at IS NULL').all(kind) as Row[]).map(toInterval);
    },
    async seen(kind, ids, at) {
      const update = db.prepare('UPDATE usage_intervals SET seen_at = MAX(seen_at, ?) WHERE kind = ? AND id = ? AND ended_at IS NULL');
      db.transaction(() => { for (const id of ids) update.run(at, kind, id); })();
    },
    async overlapping(from, to, filter) {
      const f = filterSql(filter);
      return (db.prepare(`SELECT * FROM usage_intervals WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?)${f.sql}
                          ORDER BY app_name, kind, item, started_at`).all(to, from, ...f.params) as Row[]).map(toInterval);
    },
    async addRouterBytes(entries) {
      const insert = db.prepare(`INSERT INTO router_bytes (id, app_id, app_name, owner_id, team_id, minute, bytes)
                                 SELECT ?, id, name, owner_id, team_id, ?, ? FROM apps WHERE id = ? ON CONFLICT (id) DO NOTHING`);
      const recorded: string[] = [];
      db.transaction(() => { for (const e of entries) if (insert.run(e.id, e.minute, e.bytes, e.appId).changes > 0) recorded.push(e.id); })();
      return recorded;
    },
    async routerBytes(from, to, filter) {
      const f = filterSql(filter);
      const rows = db.prepare(`SELECT app_id, MAX(app_name) AS app_name, MAX(owner_id) AS owner_id, SUM(bytes) AS bytes FROM router_bytes
                               WHERE minute >= ? AND minute < ?${f.sql} GROUP BY app_id ORDER BY app_name`).all(from, to, ...f.params) as Row[];
      return rows.map((r) => ({ appId: r.app_id as string, appName: r.app_name as string, ownerId: r.owner_id as string, bytes: Number(r.bytes) }));
    },
  };
}

const NO_QUOTA: TeamQuota = { maxInstances: null, maxMemoryMb: null, maxAddons: null };

export function sqliteBilling(db: Database.Database): BillingRepo {
  const prices = (): PriceList => Object.fromEntries((db.prepare('SELECT item, price FROM prices ORDER BY item').all() as Row[])
    .map((r) => [r.item as string, r.price as number]));
  const quota = (team: string): TeamQuota => {
    const r = db.prepare('SELECT * FROM team_quotas WHERE team = ?').get(team) as Row | undefined;
    return r ? { maxInstances: r.max_instances as number | null, maxMemoryMb: r.max_memory_mb as number | null, maxAddons: r.max_addons as number | null } : { ...NO_QUOTA };
  };
  return {
    async prices() {
      return prices();
    },
    async setPrices(list) {
      const upsert = db.prepare('INSERT INTO prices (item, price) VALUES (?, ?) ON CONFLICT (item) DO UPDATE SET price = excluded.price');
      const remove = db.prepare('DELETE FROM prices WHERE item = ?');
      db.transaction(() => { for (const [item, price] of Object.entries(list)) (price === 0 ? remove.run(item) : upsert.run(item, price)); })();
      return prices();
    },
    async quota(team) {
      return quota(team);
    },
    async setQuota(team, q) {
      db.prepare(`INSERT INTO team_quotas (team, max_instances, max_memory_mb, max_addons) VALUES (?, ?, ?, ?)
                  ON CONFLICT (team) DO UPDATE SET max_instances = excluded.max_instances, max_memory_mb = excluded.max_memory_mb, max_addons = excluded.max_addons`)
        .run(team, q.maxInstances, q.maxMemoryMb, q.maxAddons);
      return quota(team);
    },
  };
}
