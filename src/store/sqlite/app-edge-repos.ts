// Domains, certificates and edge features on SQLite (tables domains, certificates, app_features).
import type Database from 'better-sqlite3';
import { BerthError } from '../../domain/errors.js';
import type { AppFeatureName, AppFeatureRepo, CertificateRepo, DomainRepo, StoredCertificate, StoredDomain } from '../app-edge-repo.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;
const s = (v: unknown): string => v as string;

const toDomain = (r: Row): StoredDomain => ({
  id: s(r.id), appId: s(r.app_id), hostname: s(r.hostname), certificateId: (r.certificate_id as string | null) ?? null,
  createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});
const toCertificate = (r: Row): StoredCertificate => ({
  id: s(r.id), appId: s(r.app_id), name: s(r.name), origin: s(r.origin) as StoredCertificate['origin'],
  certificateChain: s(r.certificate_chain), sealedPrivateKey: s(r.sealed_private_key), hostnames: JSON.parse(s(r.hostnames)) as string[],
  startsAt: s(r.starts_at), expiresAt: s(r.expires_at), createdAt: s(r.created_at), updatedAt: s(r.updated_at),
});

export function sqliteDomains(db: Database.Database, ctx: RepoContext): DomainRepo {
  const byId = (id: string) => {
    const r = db.prepare('SELECT * FROM domains WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new BerthError('not_found', `No domain ${id}.`, 'domain');
    return toDomain(r);
  };
  return {
    async list(appId) {
      return (db.prepare('SELECT * FROM domains WHERE app_id = ? ORDER BY created_at, hostname').all(appId) as Row[]).map(toDomain);
    },
    async all() {
      return (db.prepare('SELECT * FROM domains ORDER BY hostname').all() as Row[]).map(toDomain);
    },
    async byHostname(hostname) {
      const r = db.prepare('SELECT * FROM domains WHERE hostname = ?').get(hostname) as Row | undefined;
      return r && toDomain(r);
    },
    async create(d) {
      const id = ctx.newId();
      const now = ctx.now();
      try {
        db.prepare('INSERT INTO domains (id, app_id, hostname, certificate_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(id, d.appId, d.hostname, d.certificateId, now, now);
      } catch (e) {
        if (e instanceof Error && e.message.includes('UNIQUE constraint failed: domains.hostname')) throw new BerthError('name_taken', `${d.hostname} is already taken.`, 'domain');
        throw e;
      }
      return byId(id);
    },
    async setCertificate(id, certificateId) {
      db.prepare('UPDATE domains SET certificate_id = ?, updated_at = ? WHERE id = ?').run(certificateId, ctx.now(), id);
      return byId(id);
    },
    async delete(id) {
      db.prepare('DELETE FROM domains WHERE id = ?').run(id);
    },
  };
}

export function sqliteCertificates(db: Database.Database, ctx: RepoContext): CertificateRepo {
  const byId = (id: string) => {
    const r = db.prepare('SELECT * FROM certificates WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw new BerthError('not_found', `No certificate ${id}.`, 'sni-endpoint');
    return toCertificate(r);
  };
  return {
    async list(appId) {
      return (db.prepare('SELECT * FROM certificates WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toCertificate);
    },
    async all() {
      return (db.prepare('SELECT * FROM certificates ORDER BY created_at, rowid').all() as Row[]).map(toCertificate);
    },
    async find(appId, ref) {
      const r = db.prepare('SELECT * FROM certificates WHERE app_id = ? AND (id = ? OR name = ?)').get(appId, ref, ref) as Row | undefined;
      return r && toCertificate(r);
    },
    async create(c) {
      const id = ctx.newId();
      const now = ctx.now();
      db.prepare(`INSERT INTO certificates (id, app_id, name, origin, certificate_chain, sealed_private_key, hostnames, starts_at, expires_at, created_at, updated_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, c.appId, c.name, c.origin, c.certificateChain, c.sealedPrivateKey, JSON.stringify(c.hostnames), c.startsAt, c.expiresAt, now, now);
      return byId(id);
    },
    async replace(id, c) {
      db.prepare(`UPDATE certificates SET certificate_chain = ?, sealed_private_key = ?, hostnames = ?, starts_at = ?, expires_at = ?, updated_at = ? WHERE id = ?`)
        .run(c.certificateChain, c.sealedPrivateKey, JSON.stringify(c.hostnames), c.startsAt, c.expiresAt, ctx.now(), id);
      return byId(id);
    },
    async delete(id) {
      db.prepare('DELETE FROM certificates WHERE id = ?').run(id);
    },
  };
}

export function sqliteAppFeatures(db: Database.Database): AppFeatureRepo {
  return {
    async enabled(appId) {
      return (db.prepare('SELECT name FROM app_features WHERE app_id = ? ORDER BY name').all(appId) as Row[]).map((r) => s(r.name) as AppFeatureName);
    },
    async all() {
      return (db.prepare('SELECT app_id, name FROM app_features ORDER BY app_id, name').all() as Row[]).map((r) => ({ appId: s(r.app_id), name: s(r.name) as AppFeatureName }));
    },
    async set(appId, name, enabled) {
      if (enabled) db.prepare('INSERT INTO app_features (app_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING').run(appId, name);
      else db.prepare('DELETE FROM app_features WHERE app_id = ? AND name = ?').run(appId, name);
    },
  };
}
