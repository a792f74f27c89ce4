// The Redis broker: one redis-server per add-on on its own port (loopback, plus the docker bridge
// gateway on the docker runtime), with a random password,
// the plan's maxmemory and append-only persistence; supervised, adopted across Berth restarts.
import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../../platform/exec.js';
import type { Logger } from '../../../platform/logger.js';
import { freeLoopbackPort } from '../../../runtime/local/free-port.js';
import { LOOPBACK_ADDON_NETWORK, type AddonNetwork } from '../../addon-network.js';
import { checkInstanceId, type Broker, type Credentials, type InstanceStatus } from '../../broker.js';
import { InstanceRecords, newPassword } from '../../instance-records.js';
import type { Plan } from '../../plans.js';
import { ensureServiceAccount, openPathFor, privateDirFor, type ServiceAccount } from '../../service-account.js';
import { SupervisedServer, superviseServers } from '../../supervised-server.js';
import { redisConfig } from './redis-config.js';

interface RedisInstance { plan: string; port: number; password: string; maxMemoryMb: number }

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
}

export class RedisBroker implements Broker {
  readonly service = 'redis';
  readonly defaultAttachmentName = 'REDIS';
  private readonly dir: string;
  private readonly records: InstanceRecords<RedisInstance>;
  private readonly servers = new Map<string, SupervisedServer>();
  private accountPromise: Promise<ServiceAccount> | undefined;

  constructor(private readonly opts: RedisBrokerOptions) {
    this.dir = join(opts.home, 'addons', 'redis');
    this.records = new InstanceRecords(join(this.dir, 'instances'));
  }

  private account(): Promise<ServiceAccount> {
    this.accountPromise ??= (this.opts.account ?? (() => ensureServiceAccount()))();
    return this.accountPromise;
  }

  private instanceDir(id: string): string {
    return join(this.dir, checkInstanceId(id));
  }

  private get network(): AddonNetwork {
    return this.opts.network ?? LOOPBACK_ADDON_NETWORK;
  }

  /** Written whenever a server is first needed, so a changed network reaches instances made earlier. */
  private async writeConfig(id: string, record: RedisInstance, account: ServiceAccount): Promise<string> {
    const dir = this.instanceDir(id);
    const text = redisConfig({ ...record, dataDir: join(dir, 'data'), listen: this.network.listen });
    const conf = join(dir, 'redis.conf');
    await writeFile(conf, text, { mode: 0o640 });
    if (account.gid !== undefined) await chown(conf, 0, account.gid);
    return text;
  }

  private async server(id: string, record: RedisInstance): Promise<SupervisedServer> {
    let server = this.servers.get(id);
    if (server) return server;
    const account = await this.account();
    const dir = this.instanceDir(id);
    const config = await this.writeConfig(id, record, account);
    // Another caller may have made it while the file was written.
    server = this.servers.get(id);
    if (server) return server;
    const cli = this.opts.redisCli ?? '/usr/bin/redis-cli';
    server = new SupervisedServer({
      name: `redis ${id}`,
      command: this.opts.redisServer ?? '/usr/bin/redis-server',
      args: [join(dir, 'redis.conf')],
      cwd: join(dir, 'data'),
      pidFile: join(dir, 'server.pid'),
      logFile: join(dir, 'redis.log'),
      account,
      config,
      ready: async () => {
        const r = await run(cli, ['-h', '127.0.0.1', '-p', String(record.port), '--no-auth-warning', 'PING'], {
          env: { PATH: process.env.PATH, REDISCLI_AUTH: record.password },
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
    const record: RedisInstance = { plan: plan.name, port: await freeLoopbackPort(taken), password: newPassword(), maxMemoryMb: plan.limits.maxMemoryMb ?? 25 };
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
    await rm(this.instanceDir(instanceId), { recursive: true, force: true });
    await this.records.delete(instanceId);
    if (record) this.opts.logger.info('redis-instance-deleted', { instance: instanceId });
  }

  async status(instanceId: string): Promise<InstanceStatus> {
    const record = await this.records.get(instanceId);
    if (!record) return { state: 'missing', restarts: 0, details: {} };
    const server = await this.server(instanceId, record);
    const details = { plan: record.plan, maxmemory: `${record.maxMemoryMb} MB`, host: this.network.host, port: String(record.port), persistence: 'append-only file' };
    const state = server.state === 'up' && !(await server.alive()) ? 'down' : server.state;
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
