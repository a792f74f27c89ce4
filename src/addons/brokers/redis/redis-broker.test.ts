import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../../../test/support/require-dependency.js';
import { run } from '../../../platform/exec.js';
import { silentLogger } from '../../../platform/logger.js';
import { brokerContract, type ServiceClient } from '../../broker.contract.js';
import { addonCgroupDir } from '../../memory-cgroup.js';
import { PlanCatalog } from '../../plans.js';
import { ensureServiceAccount } from '../../service-account.js';
import { REDIS_CLI, REDIS_SERVER, redisServer } from '../../testing/service-dependencies.js';
import { RedisBroker } from './redis-broker.js';

/** redis-cli with the URL's password in the environment, as a user's client would hold it. */
const cli = (url: string, ...args: string[]) => {
  const u = new URL(url);
  return run(REDIS_CLI, ['-h', u.hostname, '-p', u.port, '--no-auth-warning', ...args], {
    env: { PATH: process.env.PATH, REDISCLI_AUTH: decodeURIComponent(u.password) },
  });
};

/** The instance's own record: Berth's admin password is there, where no tenant can read it. */
const adminUrl = async (home: string, id: string, url: string) => {
  const record = JSON.parse(await readFile(join(home, 'addons', 'redis', 'instances', `${id}.json`), 'utf8')) as { adminPassword: string };
  const u = new URL(url);
  u.username = 'berth';
  u.password = record.adminPassword;
  return u.toString();
};

/** redis-cli as a named user (`--user`), password from the URL. */
const cliAs = (url: string, ...args: string[]) => cli(url, '--user', decodeURIComponent(new URL(url).username), ...args);

const serverPid = async (home: string, id: string) => Number((await readFile(join(home, 'addons', 'redis', id, 'server.pid'), 'utf8').catch(() => ''))) || undefined;

const cgroupOf = async (home: string, id: string) => {
  const dir = await addonCgroupDir(home);
  if (!dir) return undefined;
  const read = (file: string) => readFile(join(dir, `redis-${id}`, file), 'utf8').then((t) => t.trim(), () => undefined);
  return { limit: await read('memory.limit_in_bytes'), procs: (await read('cgroup.procs'))?.split('\n').map(Number) ?? [] };
};

export const redisClient: ServiceClient = {
  async write(url, value) {
    const r = await cli(url, 'SET', 'note', value);
    if (r.stdout.trim() !== 'OK') throw new Error(`SET failed: ${r.stdout}${r.stderr}`);
  },
  async read(url) {
    const r = await cli(url, 'GET', 'note');
    const out = r.stdout.trim();
    return r.code === 0 && out && !/^(ERR|NOAUTH|WRONGPASS)|Could not connect/.test(out + r.stderr) ? out : undefined;
  },
  async canReach(ownUrl, otherUrl) {
    const own = new URL(ownUrl);
    const other = new URL(otherUrl);
    own.port = other.port;
    return (await cli(own.toString(), 'PING')).stdout.trim() === 'PONG';
  },
};

describeWith(redisServer, 'Redis broker', () => {
  const open = async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-redis-broker-'));
    const make = () => new RedisBroker({ home, logger: silentLogger, superviseIntervalMs: 200 });
    return { home, broker: make(), make };
  };

  brokerContract('redis', async () => {
    const { home, broker, make } = await open();
    return {
      broker, reopen: make, plan: new PlanCatalog().resolve('redis:dev'), client: redisClient,
      serverPid: (id) => serverPid(home, id),
      cleanup: async () => {
        await make().stopServers();
        await rm(home, { recursive: true, force: true });
      },
    };
  });

  it("applies the plan's maxmemory with noeviction, and persists to an append-only file", async () => {
    const { home, broker, make } = await open();
    try {
      await broker.provision('limits-1', new PlanCatalog().resolve('redis:dev'));
      const { url } = await broker.bind('limits-1', 'b');
      const admin = await adminUrl(home, 'limits-1', url);
      expect((await cliAs(admin, 'CONFIG', 'GET', 'maxmemory')).stdout.trim().split('\n')).toEqual(['maxmemory', String(25 * 1024 * 1024)]);
      expect((await cliAs(admin, 'CONFIG', 'GET', 'appendonly')).stdout.trim().split('\n')).toEqual(['appendonly', 'yes']);
      expect((await cliAs(admin, 'CONFIG', 'GET', 'maxmemory-policy')).stdout.trim().split('\n')).toEqual(['maxmemory-policy', 'noeviction']);
      expect((await broker.status('limits-1')).details).toMatchObject({ maxmemory: '25 MB', port: new URL(url).port });
      const wrong = new URL(url);
      wrong.password = 'not-the-password';
      expect(await redisClient.read(wrong.toString())).toBeUndefined();
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("refuses the tenant's admin commands (the plan's limits stay on) while its data commands work", async () => {
    const { home, broker, make } = await open();
    try {
      await broker.provision('acl-1', new PlanCatalog().resolve('redis:dev'));
      const { url } = await broker.bind('acl-1', 'b');
      const pid = await serverPid(home, 'acl-1');
      const refused = async (...args: string[]) => {
        const r = await cli(url, ...args);
        return /NOPERM|command not allowed|can't run this command/.test(r.stdout + r.stderr);
      };
      // What the probe did to switch the plan off, and the other ways to take the server over.
      for (const command of [
        ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'protected-mode', 'no'], ['CONFIG', 'SET', 'bind', '0.0.0.0'],
        ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'REWRITE'],
        ['DEBUG', 'SLEEP', '0'], ['MODULE', 'LIST'], ['REPLICAOF', '127.0.0.1', '1'], ['SLAVEOF', '127.0.0.1', '1'],
        ['ACL', 'SETUSER', 'default', '+@all'], ['ACL', 'LIST'], ['SAVE'], ['BGSAVE'], ['BGREWRITEAOF'],
        ['MONITOR'], ['CLIENT', 'KILL', 'TYPE', 'normal'], ['CLIENT', 'PAUSE', '1000'], ['MIGRATE', '127.0.0.1', '1', 'k', '0', '100'],
        ['RESTORE', 'k', '0', 'payload'], ['EVAL', "return redis.call('RESTORE', 'k', '0', 'payload')", '0'],
        ['SHUTDOWN', 'NOSAVE'],
      ]) expect({ command, refused: await refused(...command) }).toEqual({ command, refused: true });
      expect(await serverPid(home, 'acl-1')).toBe(pid);
      expect((await broker.status('acl-1')).state).toBe('up');

      // An app's ordinary commands, and those of the admin set that client libraries need.
      expect((await cli(url, 'SET', 'visits', '41')).stdout.trim()).toBe('OK');
      expect((await cli(url, 'INCR', 'visits')).stdout.trim()).toBe('42');
      expect((await cli(url, 'EXPIRE', 'visits', '600')).stdout.trim()).toBe('1');
      expect((await cli(url, 'EVAL', "return redis.call('GET', KEYS[1])", '1', 'visits')).stdout.trim()).toBe('42');
      expect((await cli(url, 'KEYS', 'vis*')).stdout.trim()).toBe('visits');
      expect((await cli(url, 'INFO', 'server')).stdout).toContain('redis_version:');
      expect((await cli(url, 'CLIENT', 'SETNAME', 'web.1')).stdout.trim()).toBe('OK');
      expect((await cli(url, 'FLUSHDB')).stdout.trim()).toBe('OK');

      // Berth's own user still manages the server, and the limit is still the plan's.
      const admin = await adminUrl(home, 'acl-1', url);
      expect((await cliAs(admin, 'CONFIG', 'GET', 'maxmemory')).stdout.trim().split('\n')).toEqual(['maxmemory', String(25 * 1024 * 1024)]);
      expect((await cliAs(admin, 'CONFIG', 'GET', 'protected-mode')).stdout.trim().split('\n')).toEqual(['protected-mode', 'yes']);
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('runs each server in a memory cgroup sized to its plan, and addons:info shows the limit read back', async () => {
    const { home, broker, make } = await open();
    try {
      await broker.provision('mem-1', new PlanCatalog().resolve('redis:dev'));
      const group = await cgroupOf(home, 'mem-1');
      if (!group) {
        // Without root Berth cannot make the group, and says so instead of showing a limit.
        expect((await broker.status('mem-1')).details['memory limit']).toBe('none (Berth is not root)');
        return;
      }
      const limit = (2 * 25 + 32) * 1024 * 1024;
      expect(group.limit).toBe(String(limit));
      expect(group.procs).toContain(await serverPid(home, 'mem-1'));
      expect((await broker.status('mem-1')).details).toMatchObject({ maxmemory: '25 MB', 'memory limit': '82 MB (cgroup)' });
      // Stopped for good, the group goes with the server.
      await broker.deprovision('mem-1');
      expect(await cgroupOf(home, 'mem-1')).toEqual({ limit: undefined, procs: [] });
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('holds a server that outgrows maxmemory (one Lua script, checked only at its start) to the cgroup: the kernel stops it, Berth restarts it', async () => {
    const { home, broker, make } = await open();
    const supervision = new AbortController();
    try {
      await broker.start(supervision.signal);
      await broker.provision('grow-1', new PlanCatalog().resolve('redis:dev'));
      const group = await addonCgroupDir(home);
      if (!group) return; // not root: no group to hold it (the test above checks what addons:info says)
      const { url } = await broker.bind('grow-1', 'b');
      await redisClient.write(url, 'before the fill');
      const pid = await serverPid(home, 'grow-1');
      // ~400k keys of 100 bytes: well past maxmemory (25 MB) and the group's 82 MB.
      const fill = await cli(url, 'EVAL', "for i=1,400000 do redis.call('SET', 'fill:'..i, string.rep('x', 100)) end return 'all'", '0');
      expect(fill.stdout.trim()).not.toBe('all');
      const oomControl = await readFile(join(group, 'redis-grow-1', 'memory.oom_control'), 'utf8');
      expect(Number(/oom_kill (\d+)/.exec(oomControl)?.[1])).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 300 && !((await serverPid(home, 'grow-1')) !== pid && (await broker.status('grow-1')).state === 'up'); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await broker.status('grow-1')).restarts).toBeGreaterThanOrEqual(1);
      expect(await redisClient.read(url)).toBe('before the fill');
    } finally {
      supervision.abort();
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('migrates an instance an earlier Berth left running with the tenant as admin: restarted with the ACL, in its cgroup, data kept', async () => {
    const { home, broker, make } = await open();
    const id = 'old-1';
    const dir = join(home, 'addons', 'redis', id);
    try {
      await broker.provision(id, new PlanCatalog().resolve('redis:dev'));
      const { url } = await broker.bind(id, 'b');
      await broker.stopServers();
      // What the earlier Berth wrote: requirepass for `default` (all commands), no Berth user, no group.
      const recordFile = join(home, 'addons', 'redis', 'instances', `${id}.json`);
      const { adminPassword: _dropped, ...oldRecord } = JSON.parse(await readFile(recordFile, 'utf8')) as Record<string, unknown>;
      await writeFile(recordFile, JSON.stringify(oldRecord));
      const u = new URL(url);
      const oldConfig = [`bind 127.0.0.1`, `port ${u.port}`, 'daemonize no', `requirepass ${u.password}`, 'maxmemory 25mb', 'maxmemory-policy noeviction',
        `dir ${join(dir, 'data')}`, 'appendonly yes', ''].join('\n');
      await writeFile(join(dir, 'redis.conf'), oldConfig);
      const account = await ensureServiceAccount();
      const old = spawn(REDIS_SERVER, [join(dir, 'redis.conf')], { cwd: join(dir, 'data'), detached: true, stdio: 'ignore', uid: account.uid, gid: account.gid });
      old.unref();
      await writeFile(join(dir, 'server.pid'), `${old.pid}\n`);
      await writeFile(join(dir, 'server.pid.config'), oldConfig);
      for (let i = 0; i < 100 && (await cli(url, 'PING')).stdout.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
      await redisClient.write(url, 'kept across the migration');
      // The hole as the probe found it.
      expect((await cli(url, 'CONFIG', 'GET', 'maxmemory')).stdout.trim().split('\n')).toEqual(['maxmemory', String(25 * 1024 * 1024)]);

      const next = make();
      const supervision = new AbortController();
      try {
        await next.start(supervision.signal);
        expect(await serverPid(home, id)).not.toBe(old.pid);
        expect((await cli(url, 'CONFIG', 'GET', 'maxmemory')).stdout).toMatch(/NOPERM/);
        expect(await redisClient.read(url)).toBe('kept across the migration');
        expect((await next.bind(id, 'b')).url).toBe(url);
        const group = await cgroupOf(home, id);
        if (group) expect(group.procs).toContain(await serverPid(home, id));
      } finally {
        supervision.abort();
      }
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });
});
