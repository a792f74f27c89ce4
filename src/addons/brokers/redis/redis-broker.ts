// The Redis broker: one redis-server per add-on on its own port (loopback, plus the docker bridge
// gateway on the docker runtime), with a random password for the tenant's data-only user, the
// plan's maxmemory, a memory cgroup above it, and append-only persistence; supervised, adopted
// across Berth restarts.
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../../platform/exec.js';
import type { Logger } from '../../../platform/logger.js';
import { freeLoopbackPort } from '../../../runtime/local/free-port.js';
import { LOOPBACK_ADDON_NETWORK, type AddonNetwork } from '../../addon-network.js';
import { checkInstanceId, type Broker, type Credentials, type InstanceStatus } from '../../broker.js';
import { InstanceRecords, newPassword } from '../../instance-records.js';
import { addonCgroupDir, MemoryCgroup } from '../../memory-cgroup.js';
import type { Plan } from '../../plans.js';
import { ensureServiceAccount, openPathFor, privateDirFor, type ServiceAccount } from '../../service-account.js';
import { SupervisedServer, superviseServers } from '../../supervised-server.js';
import { REDIS_ADMIN_USER, redisConfig } from './redis-config.js';

interface RedisInstance {
  plan: string; port: number; password: string; maxMemoryMb: number;
  /** Berth's own user's password; absent in records made before tenants lost the admin commands. */
  adminPassword?: string;
}

const MB = 1024 * 1024;

/**
 * The memory group's limit for a plan: maxmemory bounds the dataset, and on top of it the server
 * needs room for an append-only-file rewrite (a fork whose copy-on-write pages can reach the
 * dataset's size) and its own code and buffers (32 MB).
 */
export const redisMemoryLimitBytes = (maxMemoryMb: number): number => (2 * maxMemoryMb + 32) * MB;

export interface RedisBrokerOptions {
  /** BERTH_HOME: instances live in `addons/redis/<id>` under it. */
  home: string;
  logger: Logger;
  redisServer?: string;
  redisCli?: string;
  account?: () => Promise<ServiceAccount>;
  superviseIntervalMs?: number;
  /** Where apps reach the servers (the host in REDIS_URL); loopback only by default. */
  network?: AddonNetwork;
  /** Where cgroup v1 is mounted (/sys/fs/cgroup). */
  cgroupRoot?: string;
}

export class RedisBroker implements Broker {
  readonly service = 'redis';
  readonly defaultAttachmentName = 'REDIS';
  private readonly dir: string;
  private readonly records: InstanceRecords<RedisInstance>;
  private readonly servers = new Map<string, SupervisedServer>();
  private readonly making = new Map<string, Promise<SupervisedServer>>();
  private accountPromise: Promise<ServiceAccount> | undefined;
  private cgroupDirPromise: Promise<string | undefined> | undefined;

  constructor(private readonly opts: RedisBrokerOptions) {
    this.dir = join(opts.home, 'addons', 'redis');
    this.records = new InstanceRecords(join(this.dir, 'instances'));
  }

  private account(): Promise<ServiceAccount> {
    this.accountPromise ??= (this.opts.account ?? (() => ensureServiceAccount()))();
    return this.accountPromise;
  }

  private cgroupDir(): Promise<string | undefined> {
    this.cgroupDirPromise ??= addonCgroupDir(this.opts.home, this.opts.cgroupRoot).then((dir) => {
      if (!dir) this.opts.logger.warn('redis-memory-cgroup-unavailable', { reason: 'not root, or no cgroup v1 memory controller' });
      return dir;
    });
    return this.cgroupDirPromise;
  }

  private async memoryGroup(id: string, record: RedisInstance): Promise<MemoryCgroup | undefined> {
    const dir = await this.cgroupDir();
    return dir ? new MemoryCgroup(join(dir, `redis-${checkInstanceId(id)}`), redisMemoryLimitBytes(record.maxMemoryMb)) : undefined;
  }

  private instanceDir(id: string): string {
    return join(this.dir, checkInstanceId(id));
  }

  private get network(): AddonNetwork {
    return this.opts.network ?? LOOPBACK_ADDON_NETWORK;
  }

  /** Written whenever a server is first needed, so a changed network reaches instances made earlier. */
  private async writeConfig(id: string, record: RedisInstance & { adminPassword: string }, account: ServiceAccount): Promise<string> {
    const dir = this.instanceDir(id);
    const text = redisConfig({ ...record, dataDir: join(dir, 'data'), listen: this.network.listen });
    const conf = join(dir, 'redis.conf');
    await writeFile(conf, text, { mode: 0o640 });
    if (account.gid !== undefined) await chown(conf, 0, account.gid);
    return text;
  }

  /**
   * An instance made before Berth kept its own Redis user gets one now; its server, started with
   * the old configuration, is then restarted with the new one (SupervisedServer compares them).
   */
  private async withAdminPassword(id: string, record: RedisInstance): Promise<RedisInstance & { adminPassword: string }> {
    if (record.adminPassword) return record as RedisInstance & { adminPassword: string };
    const migrated = { ...record, adminPassword: newPassword() };
    await this.records.put(id, migrated);
    this.opts.logger.info('redis-instance-migrated', { instance: id, change: 'tenant user without admin commands' });
    return migrated;
  }

  /** The instance's server, made once: concurrent callers (start, status, provision) share it. */
  private server(id: string, stored: RedisInstance): Promise<SupervisedServer> {
    let made = this.making.get(id);
    if (!made) {
      made = this.makeServer(id, stored);
      this.making.set(id, made);
      made.catch(() => this.making.delete(id));
    }
    return made;
  }

  private async makeServer(id: string, stored: RedisInstance): Promise<SupervisedServer> {
    const account = await this.account();
    const dir = this.instanceDir(id);
    // Once per instance and process: a second migration would write another password.
    const record = await this.withAdminPassword(id, stored);
    const memory = await this.memoryGroup(id, record);
    const config = await this.writeConfig(id, record, account);
    const cli = this.opts.redisCli ?? '/usr/bin/redis-cli';
    const server = new SupervisedServer({
      name: `redis ${id}`,
      command: this.opts.redisServer ?? '/usr/bin/redis-server',
      args: [join(dir, 'redis.conf')],
      cwd: join(dir, 'data'),
      pidFile: join(dir, 'server.pid'),
      logFile: join(dir, 'redis.log'),
      account,
      config,
      memory,
      ready: async () => {
        const r = await run(cli, ['-h', '127.0.0.1', '-p', String(record.port), '--user', REDIS_ADMIN_USER, '--no-auth-warning', 'PING'], {
          env: { PATH: process.env.PATH, REDISCLI_AUTH: record.adminPassword },
        });
        return r.stdout.trim() === 'PONG';
      },
    }, this.opts.logger);
    this.servers.set(id, server);
    return server;
  }

  async provision(instanceId: string, plan: Plan): Promise<void> {
    if (await this.records.get(instanceId)) throw new Error(`redis instance ${instanceId} already exists`);
    const account = await this.account();
    const dir = this.instanceDir(instanceId);
    await openPathFor(account, [this.opts.home, join(this.opts.home, 'addons'), this.dir, dir]);
    await privateDirFor(account, join(dir, 'data'));
    const taken = new Set<number>();
    for (const id of await this.records.ids()) { const r = await this.records.get(id); if (r) taken.add(r.port); }
    const record: RedisInstance = {
      plan: plan.name, port: await freeLoopbackPort(taken), password: newPassword(), adminPassword: newPassword(), maxMemoryMb: plan.limits.maxMemoryMb ?? 25,
    };
    await this.records.put(instanceId, record);
    await (await this.server(instanceId, record)).ensureUp();
    this.opts.logger.info('redis-instance-created', { instance: instanceId, port: record.port, plan: plan.name });
  }

  private async instance(id: string): Promise<RedisInstance> {
    const record = await this.records.get(id);
    if (!record) throw new Error(`no redis instance ${id}`);
    return record;
  }

  async bind(instanceId: string, _bindingId: string): Promise<Credentials> {
    const r = await this.instance(instanceId);
    return { url: `redis://default:${r.password}@${this.network.host}:${r.port}` };
  }

  /** Every binding shares the instance's password (Heroku's attachments share one credential). */
  async unbind(): Promise<void> {}

  async deprovision(instanceId: string): Promise<void> {
    const record = await this.records.get(instanceId);
    if (record) await (await this.server(instanceId, record)).stop(5000);
    this.servers.delete(instanceId);
    this.making.delete(instanceId);
    await rm(this.instanceDir(instanceId), { recursive: true, force: true });
    await this.records.delete(instanceId);
    if (record) this.opts.logger.info('redis-instance-deleted', { instance: instanceId });
  }

  async status(instanceId: string): Promise<InstanceStatus> {
    const record = await this.records.get(instanceId);
    if (!record) return { state: 'missing', restarts: 0, details: {} };
    const server = await this.server(instanceId, record);
    const details: Record<string, string> = {
      plan: record.plan, maxmemory: `${record.maxMemoryMb} MB`, host: this.network.host, port: String(record.port), persistence: 'append-only file',
    };
    const state = server.state === 'up' && !(await server.alive()) ? 'down' : server.state;
    // Read back from the kernel, so what is shown is what holds.
    const memory = await this.memoryGroup(instanceId, record);
    const limit = state === 'up' ? await memory?.enforcedLimitBytes() : undefined;
    details['memory limit'] = limit !== undefined ? `${Math.round(limit / MB)} MB (cgroup)` : memory ? 'none (server not running)' : 'none (Berth is not root)';
    const used = state === 'up' ? await memory?.usageBytes() : undefined;
    if (used !== undefined) details['memory used'] = `${Math.ceil(used / MB)} MB`;
    return { state, restarts: server.restarts, details };
  }

  async start(signal: AbortSignal): Promise<void> {
    await Promise.all((await this.records.ids()).map(async (id) => {
      const record = await this.records.get(id);
      if (!record) return;
      await (await this.server(id, record)).ensureUp().catch((e: Error) => this.opts.logger.error('redis-start-failed', { instance: id, error: e.message }));
    }));
    void superviseServers(() => this.servers.values(), signal, this.opts.logger, this.opts.superviseIntervalMs);
  }

  async stopServers(): Promise<void> {
    for (const id of await this.records.ids()) {
      const record = await this.records.get(id);
      if (record) await (await this.server(id, record)).stop(5000);
    }
  }
}
