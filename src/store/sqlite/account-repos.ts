// Users and API tokens on SQLite.
import type Database from 'better-sqlite3';
import type { TokenRepo, UserRepo } from '../store.js';
import { toToken, toUser } from './rows.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;

export function sqliteUsers(db: Database.Database, ctx: RepoContext): UserRepo {
  return {
    async create(u) {
      const now = ctx.now();
      const id = ctx.newId();
      db.prepare('INSERT INTO users (id, email, password_hash, is_admin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, u.email, u.passwordHash, u.isAdmin ? 1 : 0, now, now);
      return toUser(db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row);
    },
    async byId(id) {
      const r = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
      return r && toUser(r);
    },
    async byEmail(email) {
      const r = db.prepare('SELECT * FROM users WHERE email = ?').get(email) as Row | undefined;
      return r && toUser(r);
    },
    async list() {
      return (db.prepare('SELECT * FROM users ORDER BY created_at, email').all() as Row[]).map(toUser);
    },
    async count() {
      return (db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    },
    async delete(id) {
      db.prepare('DELETE FROM users WHERE id = ?').run(id);
    },
  };
}

export function sqliteTokens(db: Database.Database, ctx: RepoContext): TokenRepo {
  return {
    async create(t) {
      const id = ctx.newId();
      db.prepare('INSERT INTO tokens (id, user_id, token_hash, description, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, t.userId, t.tokenHash, t.description, ctx.now());
      return toToken(db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as Row);
    },
    async byHash(hash) {
      const r = db.prepare('SELECT * FROM tokens WHERE token_hash = ?').get(hash) as Row | undefined;
      return r && toToken(r);
    },
    async listForUser(userId) {
      return (db.prepare('SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at').all(userId) as Row[]).map(toToken);
    },
    async touch(id, at) {
      db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(at, id);
    },
    async delete(id) {
      return db.prepare('DELETE FROM tokens WHERE id = ?').run(id).changes > 0;
    },
  };
}
