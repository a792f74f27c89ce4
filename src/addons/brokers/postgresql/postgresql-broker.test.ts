import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../../../test/support/require-dependency.js';
import { run } from '../../../platform/exec.js';
import { silentLogger } from '../../../platform/logger.js';
import { brokerContract, type ServiceClient } from '../../broker.contract.js';
import { PlanCatalog } from '../../plans.js';
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
});
