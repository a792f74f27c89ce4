import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../../../test/support/require-dependency.js';
import { run } from '../../../platform/exec.js';
import { silentLogger } from '../../../platform/logger.js';
import { brokerContract, type ServiceClient } from '../../broker.contract.js';
import { PlanCatalog, type Plan } from '../../plans.js';
import { postgresServer } from '../../testing/service-dependencies.js';
import { findPostgres } from './postgres-binaries.js';
import { PostgresBroker } from './postgresql-broker.js';

const psql = (url: string, sql: string) => {
  const u = new URL(url);
  const bins = findPostgres()!;
  return run(bins.bin('psql'), ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-c', sql], {
    env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(u.password), PGCONNECT_TIMEOUT: '3' },
  });
};

/** SQL as Berth's superuser, with the password from the cluster's record (root's file). */
const asSuperuser = async (home: string, sql: string, database = 'postgres') => {
  const cluster = JSON.parse(await readFile(join(home, 'addons', 'postgresql', 'cluster.json'), 'utf8')) as { port: number; password: string };
  return psql(`postgres://berth_admin:${cluster.password}@127.0.0.1:${cluster.port}/${database}`, sql);
};

/** Comments on add-on databases: pg_shdescription is readable by every role. */
const ADDON_COMMENTS = "SELECT count(*) FROM pg_shdescription d JOIN pg_database db ON db.oid = d.objoid WHERE db.datname LIKE 'addon%'";

/** Ends the role's sessions from the server side (a killed psql leaves its backend in pg_sleep). */
const endSessions = (home: string, role: string, limit = 1000) =>
  asSuperuser(home, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}' LIMIT ${limit}`);

/** A session that stays open (pg_sleep) under the URL's role, as an app's pool holds one. */
const holdSession = (url: string, appName = 'held') => {
  const u = new URL(url);
  return spawn(findPostgres()!.bin('psql'), ['-X', '-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-c', 'SELECT pg_sleep(60)'], {
    env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(u.password), PGAPPNAME: appName }, stdio: 'ignore',
  });
};

const sessionsOf = async (home: string, role: string) =>
  Number((await asSuperuser(home, `SELECT count(*) FROM pg_stat_activity WHERE usename = '${role}'`)).stdout.trim());

const waitFor = async (probe: () => Promise<boolean>, what: string) => {
  for (let i = 0; !(await probe()); i++) {
    if (i > 300) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

export const postgresClient: ServiceClient = {
  async write(url, value) {
    const r = await psql(url, `CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text); INSERT INTO notes (body) VALUES ('${value.replace(/'/g, "''")}')`);
    if (r.code !== 0) throw new Error(r.stderr);
  },
  async read(url) {
    const r = await psql(url, 'SELECT body FROM notes ORDER BY id DESC LIMIT 1');
    return r.code === 0 ? r.stdout.trim() : undefined;
  },
  async canReach(ownUrl, otherUrl) {
    const own = new URL(ownUrl);
    own.pathname = new URL(otherUrl).pathname;
    return (await psql(own.toString(), 'SELECT 1')).code === 0;
  },
};

describeWith(postgresServer, 'PostgreSQL broker', () => {
  const homes: string[] = [];
  const open = async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-pg-broker-'));
    homes.push(home);
    const make = () => new PostgresBroker({ home, bins: findPostgres()!, logger: silentLogger, superviseIntervalMs: 200 });
    return { home, broker: make(), make };
  };

  brokerContract('postgresql', async () => {
    const { home, broker, make } = await open();
    return {
      broker, reopen: make, plan: new PlanCatalog().resolve('postgresql:dev'), client: postgresClient,
      serverPid: async () => Number((await readFile(join(home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]) || undefined,
      cleanup: async () => {
        await make().stopServers();
        await rm(home, { recursive: true, force: true });
      },
    };
  });

  it('sets the plan\'s connection limit, revokes CONNECT from PUBLIC, and backs up and restores', async () => {
    const { home, broker, make } = await open();
    try {
      await broker.provision('limits-1', new PlanCatalog().resolve('postgresql:dev'));
      const { url } = await broker.bind('limits-1', 'b');
      const u = new URL(url);
      const r = await psql(url, `SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user; SELECT has_database_privilege('public', current_database(), 'CONNECT')`);
      expect(r.stdout.trim().split('\n')).toEqual(['20', 'f']);
      expect((await broker.status('limits-1')).details).toMatchObject({ connections: '20', port: u.port });

      await postgresClient.write(url, 'kept in the backup');
      const dump = join(home, 'b001.dump');
      await broker.backups!.capture('limits-1', dump);
      expect((await psql(url, 'DROP TABLE notes')).code).toBe(0);
      expect(await postgresClient.read(url)).toBeUndefined();
      await broker.backups!.restore('limits-1', dump);
      expect(await postgresClient.read(url)).toBe('kept in the backup');
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('accepts TLS connections (sslmode=require, as the heroku CLI\'s pg:psql and Heroku-style apps ask) and plain ones', async () => {
    const { broker, make, home } = await open();
    try {
      await broker.provision('tls-1', new PlanCatalog().resolve('postgresql:dev'));
      const { url } = await broker.bind('tls-1', 'b');
      const u = new URL(url);
      const base = ['-X', '-At', '-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-c', 'SELECT 1'];
      const env = (mode: string) => ({ env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(u.password), PGSSLMODE: mode, PGCONNECT_TIMEOUT: '3' } });
      // sslmode=require fails outright against a server without TLS; disable is a plain connection.
      // (pg_stat_ssl would say which, but tenants may not read pg_stat views.)
      for (const mode of ['require', 'disable']) {
        const r = await run(findPostgres()!.bin('psql'), base, env(mode));
        expect({ mode, code: r.code, out: r.stdout.trim(), err: r.stderr }).toEqual({ mode, code: 0, out: '1', err: '' });
      }
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("hides other tenants' sessions, statistics and comments; their names stay (generated ids) and CONNECT to them is refused", async () => {
    const { home, broker, make } = await open();
    const held: ChildProcess[] = [];
    try {
      const plan = new PlanCatalog().resolve('postgresql:dev');
      await broker.provision('tenant-a', plan);
      await broker.provision('tenant-b', plan);
      const urlA = (await broker.bind('tenant-a', 'x')).url;
      const urlB = (await broker.bind('tenant-b', 'y')).url;
      const roleB = new URL(urlB).username;
      held.push(holdSession(urlB, 'billing-worker-of-b'));
      await waitFor(async () => (await sessionsOf(home, roleB)) === 1, "tenant B's session");

      // What the probe listed, and the functions underneath each view.
      for (const sql of [
        'SELECT usename, application_name FROM pg_stat_activity',
        'SELECT * FROM pg_stat_get_activity(NULL)',
        'SELECT pg_stat_get_backend_userid(s) FROM pg_stat_get_backend_idset() s',
        'SELECT datname, xact_commit FROM pg_stat_database',
        'SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database',
        'SELECT * FROM pg_stat_database_conflicts',
        'SELECT * FROM pg_prepared_xacts',
      ]) {
        const r = await psql(urlA, sql);
        expect({ sql, out: r.stdout, denied: /permission denied/.test(r.stderr) }).toEqual({ sql, out: '', denied: true });
      }
      // Left readable (pg_dump needs both; a role's name is an oid::regrole cast away anyway):
      // the names, which are Berth's ids, and nothing behind them.
      const names = (await psql(urlA, 'SELECT datname FROM pg_database')).stdout.split('\n');
      expect(names).toContain(roleB);
      expect(roleB).toBe('addon_tenant_b');
      expect((await psql(urlA, `SELECT pg_database_size('${roleB}')`)).stderr).toMatch(/permission denied/);
      expect(await postgresClient.canReach(urlA, urlB)).toBe(false);
      expect((await psql(urlA, ADDON_COMMENTS)).stdout.trim()).toBe('0');
      // The tenant's own tools keep working.
      await postgresClient.write(urlA, 'mine');
      const dump = await run(findPostgres()!.bin('pg_dump'), ['--no-owner', urlA.replace('postgres://', 'postgresql://')], { env: { PATH: process.env.PATH } });
      expect(dump.stderr).toBe('');
      expect(dump.stdout).toContain('CREATE TABLE public.notes');
      expect((await psql(urlA, 'SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()')).code).not.toBe(0);
    } finally {
      for (const p of held) p.kill();
      await endSessions(home, 'addon_tenant_b');
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);

  it('holds a role to its plan\'s connections: one more is refused, and freed ones can be used again', async () => {
    const { home, broker, make } = await open();
    const held: ChildProcess[] = [];
    try {
      const small: Plan = { name: 'postgresql:test', service: 'postgresql', description: 'test', limits: { connections: 3 } };
      await broker.provision('pool-1', small);
      const { url } = await broker.bind('pool-1', 'b');
      const role = new URL(url).username;
      for (let i = 0; i < 3; i++) held.push(holdSession(url));
      await waitFor(async () => (await sessionsOf(home, role)) === 3, 'three sessions');
      const fourth = await psql(url, 'SELECT 1');
      expect(fourth.code).not.toBe(0);
      expect(fourth.stderr).toMatch(/too many connections for role/);
      await endSessions(home, role, 1);
      await waitFor(async () => (await sessionsOf(home, role)) === 2, 'a session to end');
      expect((await psql(url, 'SELECT 1')).stdout.trim()).toBe('1');
    } finally {
      for (const p of held) p.kill();
      await endSessions(home, 'addon_pool_1');
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);

  it('never promises more connections than the server has, and brings add-ons of an earlier Berth under the limits at start', async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-pg-broker-'));
    const make = (maxConnections: number) => new PostgresBroker({ home, bins: findPostgres()!, logger: silentLogger, superviseIntervalMs: 200, maxConnections });
    const dev = new PlanCatalog().resolve('postgresql:dev');
    try {
      const broker = make(50);
      await broker.provision('fits-1', dev);
      await broker.provision('fits-2', dev);
      // 50 - 5 kept for Berth = 45: a third dev plan (20) would promise 60.
      await expect(broker.provision('over-1', dev)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/promised 40 of its 45 add-on connections/) });
      expect((await broker.status('over-1')).state).toBe('missing');
      const url = (await broker.bind('fits-1', 'b')).url;
      expect((await psql(url, 'SHOW max_connections')).stdout.trim()).toBe('50');

      // An earlier Berth's state: a role without its limit, a database that still shows every session.
      expect((await asSuperuser(home, 'ALTER ROLE addon_fits_1 CONNECTION LIMIT -1')).code).toBe(0);
      expect((await asSuperuser(home, 'GRANT SELECT ON pg_stat_activity TO PUBLIC; GRANT EXECUTE ON FUNCTION pg_stat_get_activity(integer) TO PUBLIC', 'addon_fits_1')).code).toBe(0);
      expect((await asSuperuser(home, "COMMENT ON DATABASE addon_fits_1 IS 'Berth add-on, plan postgresql:dev'")).code).toBe(0);
      expect((await psql(url, 'SELECT count(*) > 0 FROM pg_stat_activity')).stdout.trim()).toBe('t');

      // The next Berth is configured smaller than what was promised: the server grows to cover it.
      const next = make(30);
      const supervision = new AbortController();
      try {
        await next.start(supervision.signal);
        await waitFor(async () => (await psql(url, 'SHOW max_connections')).stdout.trim() === '45', 'the server to restart with 45 connections');
        expect((await psql(url, 'SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user')).stdout.trim()).toBe('20');
        expect((await psql(url, 'SELECT count(*) FROM pg_stat_activity')).stderr).toMatch(/permission denied/);
        expect((await psql(url, ADDON_COMMENTS)).stdout.trim()).toBe('0');
        await expect(next.provision('over-2', new PlanCatalog().resolve('postgresql:dev'))).rejects.toMatchObject({ code: 'conflict' });
      } finally {
        supervision.abort();
      }
    } finally {
      await make(50).stopServers();
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);
});
