// The add-on network reaches servers made before it changed: a broker reopened with other listen
// addresses restarts the running server with them and hands out URLs with the new host.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWith } from '../../test/support/require-dependency.js';
import { silentLogger } from '../platform/logger.js';
import { dockerBridgeAddonNetwork, type AddonNetwork } from './addon-network.js';
import type { Broker } from './broker.js';
import { pgHba } from './brokers/postgresql/postgres-cluster.js';
import { findPostgres } from './brokers/postgresql/postgres-binaries.js';
import { PostgresBroker } from './brokers/postgresql/postgresql-broker.js';
import { redisConfig } from './brokers/redis/redis-config.js';
import { RedisBroker } from './brokers/redis/redis-broker.js';
import { PlanCatalog } from './plans.js';
import { run } from '../platform/exec.js';
import { REDIS_CLI, postgresServer, redisServer } from './testing/service-dependencies.js';

/** Writes a value through the add-on's URL, or reads it back (undefined when refused). */
interface Client { write(url: string, value: string): Promise<void>; read(url: string): Promise<string | undefined> }

const psql = (url: string, sql: string) => {
  const u = new URL(url);
  return run(findPostgres()!.bin('psql'), ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-c', sql], {
    env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(u.password), PGCONNECT_TIMEOUT: '3' },
  });
};
const pgClient: Client = {
  write: async (url, value) => { expect((await psql(url, `CREATE TABLE t (v text); INSERT INTO t VALUES ('${value}')`)).code).toBe(0); },
  read: async (url) => { const r = await psql(url, 'SELECT v FROM t'); return r.code === 0 ? r.stdout.trim() : undefined; },
};
const redisCli = (url: string, ...args: string[]) => {
  const u = new URL(url);
  return run(REDIS_CLI, ['-h', u.hostname, '-p', u.port, '--no-auth-warning', ...args], { env: { PATH: process.env.PATH, REDISCLI_AUTH: decodeURIComponent(u.password) } });
};
const redisClient: Client = {
  write: async (url, value) => { expect((await redisCli(url, 'SET', 'v', value)).stdout.trim()).toBe('OK'); },
  read: async (url) => { const r = await redisCli(url, 'GET', 'v'); return r.code === 0 ? r.stdout.trim() : undefined; },
};

/** Stands in for the docker bridge gateway: another address of the host (all of 127/8 is local). */
const SECOND: AddonNetwork = { host: '127.0.0.2', listen: ['127.0.0.1', '127.0.0.2'], clients: ['127.0.0.2/32'] };

const accepts = (host: string, port: number) => new Promise<boolean>((resolve) => {
  const s = connect({ host, port });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

describe('add-on network settings', () => {
  it('refuses a bridge gateway that is not a plain IPv4 address, or is loopback', () => {
    expect(dockerBridgeAddonNetwork('172.17.0.1')).toEqual({ host: '172.17.0.1', listen: ['127.0.0.1', '172.17.0.1'], clients: ['172.16.0.0/12', '192.168.0.0/16'] });
    for (const bad of ['172.17.0.1 0.0.0.0', '::', '127.0.0.1', 'docker0']) expect(() => dockerBridgeAddonNetwork(bad)).toThrow();
  });

  it('binds Redis to loopback and, optionally, the bridge address', () => {
    const conf = redisConfig({ port: 6400, password: 'ab12', adminPassword: 'cd34', maxMemoryMb: 25, dataDir: '/tmp/x', listen: ['127.0.0.1', '172.17.0.1'] });
    expect(conf).toContain('\nbind 127.0.0.1 -172.17.0.1\n');
    expect(() => redisConfig({ port: 6400, password: 'ab12', adminPassword: 'cd34', maxMemoryMb: 25, dataDir: '/tmp/x', listen: ['0.0.0.0 ::'] })).toThrow();
  });

  it('admits add-on roles from the app networks but the superuser only over loopback', () => {
    const lines = pgHba(['172.16.0.0/12']).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(lines).toContainEqual(['host', 'sameuser', 'all', '172.16.0.0/12', 'scram-sha-256']);
    const superuserReject = lines.findIndex((l) => l[4] === 'reject');
    expect(superuserReject).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => l[3] === '172.16.0.0/12')).toBeGreaterThan(superuserReject);
  });

  it("admits add-on roles from the host's own addresses when there are app networks (Docker masquerades the host's connections to docker0)", () => {
    const rows = (clients: string[]) => pgHba(clients).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(rows(['172.16.0.0/12'])).toContainEqual(['host', 'sameuser', 'all', 'samehost', 'scram-sha-256']);
    // Never the superuser: its reject line comes first.
    expect(rows(['172.16.0.0/12']).filter((l) => l[3] === 'samehost').map((l) => l[2])).toEqual(['all']);
    expect(rows(['172.16.0.0/12']).findIndex((l) => l[3] === 'samehost')).toBeGreaterThan(rows(['172.16.0.0/12']).findIndex((l) => l[4] === 'reject'));
    expect(rows([]).some((l) => l[3] === 'samehost')).toBe(false);
  });
});

function reconfigures(name: string, make: (home: string, network?: AddonNetwork) => Broker, client: Client, pidOf: (home: string, id: string) => Promise<number>): void {
  it(`${name}: a server started on loopback is restarted on the new addresses when Berth starts with them`, async () => {
    const home = await mkdtemp(join(tmpdir(), `berth-addon-net-${name}-`));
    const controller = new AbortController();
    try {
      const first = make(home);
      await first.provision('net-1', new PlanCatalog().resolve(`${name}:dev`));
      const before = await first.bind('net-1', 'b');
      expect(new URL(before.url).hostname).toBe('127.0.0.1');
      await client.write(before.url, 'kept');
      const port = Number(new URL(before.url).port);
      expect(await accepts('127.0.0.2', port)).toBe(false);
      const oldPid = await pidOf(home, 'net-1');

      const second = make(home, SECOND);
      await second.start(controller.signal);
      const after = await second.bind('net-1', 'b');
      expect(new URL(after.url).hostname).toBe('127.0.0.2');
      expect(await client.read(after.url)).toBe('kept');
      const newPid = await pidOf(home, 'net-1');
      expect(newPid).not.toBe(oldPid);

      // Same addresses again: the running server is adopted, not restarted.
      const third = make(home, SECOND);
      await third.start(controller.signal);
      expect(await third.status('net-1')).toMatchObject({ state: 'up', details: { host: '127.0.0.2' } });
      expect(await pidOf(home, 'net-1')).toBe(newPid);
    } finally {
      controller.abort();
      await make(home).stopServers();
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
}

describeWith(postgresServer, 'PostgreSQL on a changed add-on network', () => {
  reconfigures('postgresql', (home, network) => new PostgresBroker({ home, bins: findPostgres()!, logger: silentLogger, network, superviseIntervalMs: 200 }), pgClient,
    async (home) => Number((await readFile(join(home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]));
});

describeWith(redisServer, 'Redis on a changed add-on network', () => {
  reconfigures('redis', (home, network) => new RedisBroker({ home, logger: silentLogger, network, superviseIntervalMs: 200 }), redisClient,
    async (home, id) => Number(await readFile(join(home, 'addons', 'redis', id, 'server.pid'), 'utf8')));
});
