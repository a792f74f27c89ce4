import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeContract } from '../store.contract.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore, openSqlite } from './sqlite-store.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
  const file = join(dir, 'db', 'berth.sqlite');
  return {
    store: new SqliteStore(file),
    reopen: async () => new SqliteStore(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SQLite specifics', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-store-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bytesOf = (db: Database.Database) => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  /** ~30 KB of config: big, but under the 32 KiB limit. */
  const bigConfig = (tag: string) => Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`BIG_${i}`, `${tag}${'x'.repeat(2000)}`]));

  it('uses WAL mode and records the schema version', () => {
    const db = openSqlite(join(dir, 'x.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('stores a config shared by many releases once: the file does not grow by a copy per release', async () => {
    const file = join(dir, 'berth.sqlite');
    const store = new SqliteStore(file);
    const user = await store.users.create({ email: 'a@example.com', passwordHash: 'h', isAdmin: false });
    const app = await store.apps.create({ name: 'big', ownerId: user.id, stack: 'berth-24' });
    const config = bigConfig('a');
    await store.releases.create({ appId: app.id, description: 'first', current: true, slugId: null, config, userId: user.id });
    const probe = new Database(file, { readonly: true });
    const before = bytesOf(probe);
    for (let i = 0; i < 200; i++) {
      await store.releases.create({ appId: app.id, description: `Deploy ${i}`, current: true, slugId: null, config, userId: user.id });
    }
    // A copy per release would be 200 × 30 KB = 6 MB.
    expect(bytesOf(probe) - before).toBeLessThan(512 * 1024);
    expect(probe.prepare('SELECT COUNT(*) AS n FROM config_snapshots WHERE app_id = ?').get(app.id)).toEqual({ n: 1 });
    expect((await store.releases.byVersion(app.id, 150))?.config).toEqual(config);
    probe.close();
    await store.close();
  });

  it('migrates releases of an older database into shared snapshots without losing a config', async () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0] as string);
    old.exec(MIGRATIONS[1] as string);
    old.pragma('user_version = 2');
    const now = new Date(0).toISOString();
    old.prepare("INSERT INTO users VALUES ('u1', 'a@example.com', 'h', 0, ?, ?)").run(now, now);
    old.prepare("INSERT INTO apps (id, name, owner_id, stack, created_at, updated_at) VALUES ('app1', 'legacy', 'u1', 'berth-24', ?, ?)").run(now, now);
    old.prepare("INSERT INTO apps (id, name, owner_id, stack, created_at, updated_at) VALUES ('app2', 'other', 'u1', 'berth-24', ?, ?)").run(now, now);
    old.prepare("INSERT INTO config_vars VALUES ('app1', ?)").run(JSON.stringify({ C: '3' }));
    const configs = [bigConfig('a'), bigConfig('a'), bigConfig('b'), { A: '1', 'ÜNI': '✓' }, {}, bigConfig('a')];
    const insert = old.prepare(`INSERT INTO releases (id, app_id, version, description, status, slug_id, config, user_id, created_at, updated_at)
                                VALUES (?, ?, ?, ?, 'succeeded', NULL, ?, 'u1', ?, ?)`);
    configs.forEach((c, i) => insert.run(`r${i}`, 'app1', i + 1, `v${i + 1}`, JSON.stringify(c), now, now));
    insert.run('o1', 'app2', 1, 'other', JSON.stringify(bigConfig('a')), now, now);
    old.close();

    const store = new SqliteStore(file);
    expect((await store.releases.list('app1')).map((r) => [r.version, r.description, r.config])).toEqual(configs.map((c, i) => [i + 1, `v${i + 1}`, c]));
    expect((await store.releases.current('app2'))?.config).toEqual(bigConfig('a'));
    expect(await store.config.get('app1')).toEqual({ C: '3' });
    await store.close();
    const db = new Database(file, { readonly: true });
    // app1 has four distinct configs; app2 its own one.
    expect(db.prepare('SELECT app_id, COUNT(*) AS n FROM config_snapshots GROUP BY app_id ORDER BY app_id').all())
      .toEqual([{ app_id: 'app1', n: 4 }, { app_id: 'app2', n: 1 }]);
    db.close();
  });

  it('migrates to an explicit current release: the newest succeeded one, pending ones marked interrupted', async () => {
    const file = join(dir, 'v3.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0] as string);
    old.exec(MIGRATIONS[1] as string);
    (MIGRATIONS[2] as (db: Database.Database) => void)(old);
    old.pragma('user_version = 3');
    const now = new Date(0).toISOString();
    old.prepare("INSERT INTO users VALUES ('u1', 'a@example.com', 'h', 0, ?, ?)").run(now, now);
    old.prepare("INSERT INTO apps (id, name, owner_id, stack, created_at, updated_at) VALUES ('app1', 'legacy', 'u1', 'berth-24', ?, ?)").run(now, now);
    old.prepare("INSERT INTO config_snapshots VALUES ('app1', 'h1', '{}')").run();
    const insert = old.prepare(`INSERT INTO releases (id, app_id, version, description, status, slug_id, config_hash, user_id, created_at, updated_at)
                                VALUES (?, 'app1', ?, ?, ?, NULL, 'h1', 'u1', ?, ?)`);
    insert.run('r1', 1, 'Deploy', 'succeeded', now, now);
    insert.run('r2', 2, 'Deploy 2', 'failed', now, now);
    insert.run('r3', 3, 'Set A', 'succeeded', now, now);
    insert.run('r4', 4, 'Deploy 3', 'pending', now, now);
    old.close();

    const store = new SqliteStore(file);
    expect((await store.releases.current('app1'))?.version).toBe(3);
    expect((await store.releases.list('app1')).map((r) => [r.version, r.status, r.rollout.state, r.rollout.reason, r.currentAt !== null])).toEqual([
      [1, 'succeeded', 'live', null, true],
      [2, 'failed', 'failed', 'the release command failed', false],
      [3, 'succeeded', 'live', null, true],
      [4, 'failed', 'failed', 'interrupted by a server restart', false],
    ]);
    await store.close();
  });
  it('keeps the audit trail append-only whatever code asks: the table refuses UPDATE and DELETE', async () => {
    const file = join(dir, 'audit.sqlite');
    const store = new SqliteStore(file);
    await store.events.append({ actorId: null, actorEmail: null, appId: null, appName: null, teamId: null, action: 'server-started', data: {}, address: null, tokenId: null });
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE events SET action = 'nothing-happened'").run()).toThrow('the audit trail is append-only');
    expect(() => db.prepare('DELETE FROM events').run()).toThrow('the audit trail is append-only');
    expect(db.prepare('SELECT action FROM events').all()).toEqual([{ action: 'server-started' }]);
    db.close();
  });

  it('gives audit rows recorded before the trail had names the actor\'s email and app\'s name they can still be given', async () => {
    const file = join(dir, 'pre-audit.sqlite');
    // Every migration before the one that grew the events table into the audit trail.
    const auditMigration = MIGRATIONS.findIndex((m) => typeof m === 'string' && m.includes('events_no_update'));
    const old = new Database(file);
    MIGRATIONS.slice(0, auditMigration).forEach((m) => (typeof m === 'string' ? old.exec(m) : m(old)));
    old.pragma(`user_version = ${auditMigration}`);
    const now = new Date(0).toISOString();
    old.prepare("INSERT INTO users VALUES ('u1', 'a@example.com', 'h', 0, ?, ?)").run(now, now);
    old.prepare("INSERT INTO apps (id, name, owner_id, stack, created_at, updated_at) VALUES ('app1', 'legacy', 'u1', 'berth-24', ?, ?)").run(now, now);
    const insert = old.prepare('INSERT INTO events (id, seq, actor_id, app_id, action, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('e1', 1, 'u1', 'app1', 'app-created', '{"name":"legacy"}', now);
    insert.run('e2', 2, 'gone-user', 'gone-app', 'app-destroyed', '{}', now);
    old.close();

    const store = new SqliteStore(file);
    expect((await store.events.list({ order: 'asc' })).map((e) => [e.seq, e.actorEmail, e.appName, e.address, e.tokenId])).toEqual([
      [1, 'a@example.com', 'legacy', null, null],
      [2, null, null, null, null],
    ]);
    await store.close();
  });
});
