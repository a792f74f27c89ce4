// Automatic certificates' state on SQLite (tables acme_accounts, acme_apps, acme_hostnames).
import type Database from 'better-sqlite3';
import type { AcmeHostnameState, AcmeHostnameStatus, AcmeRepo } from '../acme-repo.js';

type Row = Record<string, unknown>;

const toHostname = (r: Row): AcmeHostnameState => ({
  appId: r.app_id as string,
  hostname: r.hostname as string,
  status: r.status as AcmeHostnameStatus,
  reason: (r.reason as string | null) ?? null,
  failures: r.failures as number,
  nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
  updatedAt: r.updated_at as string,
});

export function sqliteAcme(db: Database.Database): AcmeRepo {
  return {
    async account(directoryUrl) {
      const r = db.prepare('SELECT * FROM acme_accounts WHERE directory_url = ?').get(directoryUrl) as Row | undefined;
      return r && { directoryUrl, sealedKey: r.sealed_key as string, accountUrl: r.account_url as string };
    },
    async saveAccount(a) {
      db.prepare(`INSERT INTO acme_accounts (directory_url, sealed_key, account_url) VALUES (?, ?, ?)
                  ON CONFLICT (directory_url) DO UPDATE SET sealed_key = excluded.sealed_key, account_url = excluded.account_url`)
        .run(a.directoryUrl, a.sealedKey, a.accountUrl);
    },
    async app(appId) {
      const r = db.prepare('SELECT * FROM acme_apps WHERE app_id = ?').get(appId) as Row | undefined;
      if (!r) return { appId, enabled: false, certificate: null };
      return {
        appId,
        enabled: r.enabled === 1,
        certificate: r.certificate_id === null ? null : {
          certificateId: r.certificate_id as string,
          hostnames: JSON.parse(r.hostnames as string) as string[],
          notBefore: r.not_before as string,
          notAfter: r.not_after as string,
        },
      };
    },
    async enabledApps() {
      return (db.prepare('SELECT app_id FROM acme_apps WHERE enabled = 1 ORDER BY app_id').all() as Row[]).map((r) => r.app_id as string);
    },
    async setEnabled(appId, enabled, now) {
      db.prepare(`INSERT INTO acme_apps (app_id, enabled, updated_at) VALUES (?, ?, ?)
                  ON CONFLICT (app_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`)
        .run(appId, enabled ? 1 : 0, now);
    },
    async recordCertificate(appId, c, now) {
      db.prepare(`INSERT INTO acme_apps (app_id, enabled, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING`).run(appId, now);
      db.prepare(`UPDATE acme_apps SET certificate_id = ?, hostnames = ?, not_before = ?, not_after = ?, updated_at = ? WHERE app_id = ?`)
        .run(c?.certificateId ?? null, c ? JSON.stringify(c.hostnames) : null, c?.notBefore ?? null, c?.notAfter ?? null, now, appId);
    },
    async hostnames(appId) {
      return (db.prepare('SELECT * FROM acme_hostnames WHERE app_id = ? ORDER BY hostname').all(appId) as Row[]).map(toHostname);
    },
    async saveHostname(s) {
      db.prepare(`INSERT INTO acme_hostnames (app_id, hostname, status, reason, failures, next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                  ON CONFLICT (app_id, hostname) DO UPDATE SET status = excluded.status, reason = excluded.reason, failures = excluded.failures,
                  next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at`)
        .run(s.appId, s.hostname, s.status, s.reason, s.failures, s.nextAttemptAt, s.updatedAt);
    },
    async removeHostnames(appId, hostnames) {
      if (!hostnames) return void db.prepare('DELETE FROM acme_hostnames WHERE app_id = ?').run(appId);
      const del = db.prepare('DELETE FROM acme_hostnames WHERE app_id = ? AND hostname = ?');
      for (const h of hostnames) del.run(appId, h);
    },
  };
}
