// Teams, their members and app collaborators on SQLite.
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { AppPermission, TeamRole } from '../../domain/app-permissions.js';
import type { AppCollaborator, Team, TeamMember } from '../../domain/types.js';
import type { CollaboratorRepo, TeamRepo } from '../store.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string => v as string;

const toTeam = (r: Row): Team => ({ id: s(r.id), name: s(r.name), createdAt: s(r.created_at), updatedAt: s(r.updated_at) });
const toMember = (r: Row): TeamMember => ({
  teamId: s(r.team_id), userId: s(r.user_id), role: s(r.role) as TeamRole, createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});
const toCollaborator = (r: Row): AppCollaborator => ({
  appId: s(r.app_id), userId: s(r.user_id), permissions: JSON.parse(s(r.permissions)) as AppPermission[],
  createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});

const isNameTaken = (e: unknown) => e instanceof Error && /UNIQUE constraint failed: teams\.name/.test(e.message);

export function sqliteTeams(db: Database.Database, ctx: RepoContext): TeamRepo {
  const byId = (id: string) => {
    const r = db.prepare('SELECT * FROM teams WHERE id = ?').get(id) as Row | undefined;
    return r && toTeam(r);
  };
  const member = (teamId: string, userId: string) => {
    const r = db.prepare('SELECT * FROM team_members WHERE team_id = ? AND user_id = ?').get(teamId, userId) as Row | undefined;
    return r && toMember(r);
  };
  const named = (name: string, write: () => void) => {
    try {
      write();
    } catch (e) {
      if (isNameTaken(e)) throw new BerthError('name_taken', `Name ${name} is already taken.`, 'team');
      throw e;
    }
  };
  return {
    async create(name) {
      const id = ctx.newId();
      const now = ctx.now();
      named(name, () => db.prepare('INSERT INTO teams (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, name, now, now));
      return byId(id)!;
    },
    async byId(id) {
      return byId(id);
    },
    async byName(name) {
      const r = db.prepare('SELECT * FROM teams WHERE name = ?').get(name) as Row | undefined;
      return r && toTeam(r);
    },
    async list() {
      return (db.prepare('SELECT * FROM teams ORDER BY name').all() as Row[]).map(toTeam);
    },
    async listForUser(userId) {
      const rows = db.prepare('SELECT t.*, m.role FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ? ORDER BY t.name').all(userId) as Row[];
      return rows.map((r) => ({ team: toTeam(r), role: s(r.role) as TeamRole }));
    },
    async rename(id, name) {
      named(name, () => db.prepare('UPDATE teams SET name = ?, updated_at = ? WHERE id = ?').run(name, ctx.now(), id));
      return byId(id)!;
    },
    async delete(id) {
      db.prepare('DELETE FROM teams WHERE id = ?').run(id);
    },
    async members(teamId) {
      return (db.prepare('SELECT * FROM team_members WHERE team_id = ? ORDER BY created_at, user_id').all(teamId) as Row[]).map(toMember);
    },
    async member(teamId, userId) {
      return member(teamId, userId);
    },
    async setMember(teamId, userId, role) {
      const now = ctx.now();
      db.prepare(`INSERT INTO team_members (team_id, user_id, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(team_id, user_id) DO UPDATE SET role = excluded.role, updated_at = excluded.updated_at`).run(teamId, userId, role, now, now);
      return member(teamId, userId)!;
    },
    async removeMember(teamId, userId) {
      return db.prepare('DELETE FROM team_members WHERE team_id = ? AND user_id = ?').run(teamId, userId).changes > 0;
    },
  };
}

export function sqliteCollaborators(db: Database.Database, ctx: RepoContext): CollaboratorRepo {
  const get = (appId: string, userId: string) => {
    const r = db.prepare('SELECT * FROM app_collaborators WHERE app_id = ? AND user_id = ?').get(appId, userId) as Row | undefined;
    return r && toCollaborator(r);
  };
  return {
    async list(appId) {
      return (db.prepare('SELECT * FROM app_collaborators WHERE app_id = ? ORDER BY created_at, user_id').all(appId) as Row[]).map(toCollaborator);
    },
    async get(appId, userId) {
      return get(appId, userId);
    },
    async set(appId, userId, permissions) {
      const now = ctx.now();
      db.prepare(`INSERT INTO app_collaborators (app_id, user_id, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(app_id, user_id) DO UPDATE SET permissions = excluded.permissions, updated_at = excluded.updated_at`)
        .run(appId, userId, JSON.stringify(permissions), now, now);
      return get(appId, userId)!;
    },
    async remove(appId, userId) {
      return db.prepare('DELETE FROM app_collaborators WHERE app_id = ? AND user_id = ?').run(appId, userId).changes > 0;
    },
    async removeAll(appId) {
      db.prepare('DELETE FROM app_collaborators WHERE app_id = ?').run(appId);
    },
  };
}
