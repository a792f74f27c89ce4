import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../../../../test/support/require-dependency.js';
import { run } from '../../../platform/exec.js';
import { silentLogger } from '../../../platform/logger.js';
import { brokerContract, type ServiceClient } from '../../broker.contract.js';
import { PlanCatalog } from '../../plans.js';
import { REDIS_CLI, redisServer } from '../../testing/service-dependencies.js';
import { RedisBroker } from './redis-broker.js';

/** redis-cli with the URL's password in the environment, as a user's client would hold it. */
const cli = (url: string, ...args: string[]) => {
  const u = new URL(url);
  return run(REDIS_CLI, ['-h', u.hostname, '-p', u.port, '--no-auth-warning', ...args], {
    env: { PATH: process.env.PATH, REDISCLI_AUTH: decodeURIComponent(u.password) },
  });
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
      serverPid: async (id) => Number((await readFile(join(home, 'addons', 'redis', id, 'server.pid'), 'utf8').catch(() => ''))) || undefined,
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
      expect((await cli(url, 'CONFIG', 'GET', 'maxmemory')).stdout.trim().split('\n')).toEqual(['maxmemory', String(25 * 1024 * 1024)]);
      expect((await cli(url, 'CONFIG', 'GET', 'appendonly')).stdout.trim().split('\n')).toEqual(['appendonly', 'yes']);
      expect((await cli(url, 'CONFIG', 'GET', 'maxmemory-policy')).stdout.trim().split('\n')).toEqual(['maxmemory-policy', 'noeviction']);
      expect((await broker.status('limits-1')).details).toMatchObject({ maxmemory: '25 MB', port: new URL(url).port });
      const wrong = new URL(url);
      wrong.password = 'not-the-password';
      expect(await redisClient.read(wrong.toString())).toBeUndefined();
    } finally {
      await make().stopServers();
      await rm(home, { recursive: true, force: true });
    }
  });
});
