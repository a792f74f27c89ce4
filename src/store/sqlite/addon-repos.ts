// Add-ons, attachments and backup records on SQLite.
import type Database from 'better-sqlite3';
import type { Addon, AddonAttachment, AddonBackup } from '../../domain/addon.js';
import { BerthError } from '../../domain/errors.js';
import type { AddonRepo } from '../addon-repo.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string => v as string;

const toAddon = (r: Row): Addon => ({
  id: s(r.id), name: s(r.name), appId: s(r.app_id), service: s(r.service), plan: s(r.plan),
  state: s(r.state) as Addon['state'], createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});
const toAttachment = (r: Row): AddonAttachment => ({
  id: s(r.id), addonId: s(r.addon_id), appId: s(r.app_id), name: s(r.name), createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});
const toBackup = (r: Row): AddonBackup => ({
  id: s(r.id), addonId: s(r.addon_id), appId: s(r.app_id), num: r.num as number, status: s(r.status) as AddonBackup['status'],
  sizeBytes: r.size_bytes as number, createdAt: s(r.created_at), finishedAt: (r.finished_at as string | null) ?? null,
});

const unique = (e: unknown, what: string) => e instanceof Error && e.message.includes(`UNIQUE constraint failed: ${what}`);

export function sqliteAddons(db: Database.Database, ctx: RepoContext): AddonRepo {
  const one = <T>(sql: string, map: (r: Row) => T, ...args: unknown[]): T | undefined => {
    const r = db.prepare(sql).get(...args) as Row | undefined;
    return r && map(r);
  };
  const addonById = (id: string) => one('SELECT * FROM addons WHERE id = ?', toAddon, id);
  const backupById = (id: string) => one('SELECT * FROM addon_backups WHERE id = ?', toBackup, id);
  return {
    async create(a) {
      const id = ctx.newId();
      const now = ctx.now();
      try {
        db.prepare('INSERT INTO addons (id, name, app_id, service, plan, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(id, a.name, a.appId, a.service, a.plan, a.state, now, now);
      } catch (e) {
        if (unique(e, 'addons.name')) throw new BerthError('name_taken', `Name ${a.name} is already taken by another add-on.`, 'addon');
        throw e;
      }
      return addonById(id)!;
    },
    async byId(id) { return addonById(id); },
    async byName(name) { return one('SELECT * FROM addons WHERE name = ?', toAddon, name); },
    async list(filter = {}) {
      const rows = filter.appId
        ? db.prepare('SELECT * FROM addons WHERE app_id = ? ORDER BY created_at, rowid').all(filter.appId)
        : db.prepare('SELECT * FROM addons ORDER BY created_at, rowid').all();
      return (rows as Row[]).map(toAddon);
    },
    async setState(id, state) {
      db.prepare('UPDATE addons SET state = ?, updated_at = ? WHERE id = ?').run(state, ctx.now(), id);
    },
    async delete(id) {
      db.prepare('DELETE FROM addons WHERE id = ?').run(id);
    },

    async attach(a) {
      const id = ctx.newId();
      const now = ctx.now();
      try {
        db.prepare('INSERT INTO addon_attachments (id, addon_id, app_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, a.addonId, a.appId, a.name, now, now);
      } catch (e) {
        if (unique(e, 'addon_attachments.app_id')) throw new BerthError('name_taken', `The app already has an add-on attached as ${a.name}.`, 'addon_attachment');
        throw e;
      }
      return one('SELECT * FROM addon_attachments WHERE id = ?', toAttachment, id)!;
    },
    async attachmentById(id) { return one('SELECT * FROM addon_attachments WHERE id = ?', toAttachment, id); },
    async attachments(filter) {
      const where = [filter.appId ? 'app_id = ?' : '', filter.addonId ? 'addon_id = ?' : ''].filter(Boolean);
      const args = [filter.appId, filter.addonId].filter((x): x is string => x !== undefined);
      const sql = `SELECT * FROM addon_attachments ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid`;
      return (db.prepare(sql).all(...args) as Row[]).map(toAttachment);
    },
    async detach(id) {
      db.prepare('DELETE FROM addon_attachments WHERE id = ?').run(id);
    },

    async createBackup(b) {
      const id = ctx.newId();
      const { next } = db.prepare('SELECT COALESCE(MAX(num), 0) + 1 AS next FROM addon_backups WHERE addon_id = ?').get(b.addonId) as { next: number };
      db.prepare('INSERT INTO addon_backups (id, addon_id, app_id, num, status, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, b.addonId, b.appId, next, 'running', ctx.now());
      return backupById(id)!;
    },
    async finishBackup(id, result) {
      db.prepare('UPDATE addon_backups SET status = ?, size_bytes = ?, finished_at = ? WHERE id = ?').run(result.status, result.sizeBytes, ctx.now(), id);
      return backupById(id)!;
    },
    async backups(addonId) {
      return (db.prepare('SELECT * FROM addon_backups WHERE addon_id = ? ORDER BY num').all(addonId) as Row[]).map(toBackup);
    },
    async backupByNum(addonId, num) { return one('SELECT * FROM addon_backups WHERE addon_id = ? AND num = ?', toBackup, addonId, num); },
    async deleteBackup(id) {
      db.prepare('DELETE FROM addon_backups WHERE id = ?').run(id);
    },
  };
}
