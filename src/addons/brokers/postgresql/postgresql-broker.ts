// The PostgreSQL broker: each add-on is a database of Berth's cluster with a role of the same
// name, a random password, CONNECT revoked from PUBLIC, the plan's connection limit (within what
// the cluster can serve), and no view of other tenants' sessions and statistics.
import { join } from 'node:path';
import { run, runChecked } from '../../../platform/exec.js';
import type { Logger } from '../../../platform/logger.js';
import { LOOPBACK_ADDON_NETWORK, type AddonNetwork } from '../../addon-network.js';
import { checkInstanceId, type BackupCapability, type Broker, type Credentials, type InstanceStatus } from '../../broker.js';
import { InstanceRecords, newPassword } from '../../instance-records.js';
import type { Plan } from '../../plans.js';
import { ensureServiceAccount, type ServiceAccount } from '../../service-account.js';
import { superviseServers } from '../../supervised-server.js';
import { checkConnectionBudget, clusterMaxConnections, DEFAULT_MAX_CONNECTIONS } from './connection-budget.js';
import { PostgresCluster } from './postgres-cluster.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { quoteIdent, quotePassword, runSql, type SqlTarget } from './psql.js';
import { tenantCatalogPrivacy } from './tenant-catalog-privacy.js';

interface PgInstance { plan: string; database: string; password: string; connections: number; storageMb: number }

export interface PostgresBrokerOptions {
  /** BERTH_HOME: the cluster lives in `addons/postgresql` under it. */
  home: string;
  bins: PostgresBinaries;
  logger: Logger;
  account?: () => Promise<ServiceAccount>;
  superviseIntervalMs?: number;
  /** Where apps reach the cluster (the host in DATABASE_URL); loopback only by default. */
  network?: AddonNetwork;
  /** The cluster's max_connections: add-on plans are sold until their limits fill it. */
  maxConnections?: number;
}

/** Database and role name of an instance: generated from the platform's id, never from user input. */
export const databaseName = (instanceId: string): string => `addon_${checkInstanceId(instanceId).replace(/-/g, '_')}`;

export class PostgresBroker implements Broker {
  readonly service = 'postgresql';
  readonly defaultAttachmentName = 'DATABASE';
  readonly backups: BackupCapability;
  private readonly cluster: PostgresCluster;
  private readonly records: InstanceRecords<PgInstance>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: PostgresBrokerOptions) {
    const dir = join(opts.home, 'addons', 'postgresql');
    this.cluster = new PostgresCluster({
      dir, parents: [opts.home, join(opts.home, 'addons')], bins: opts.bins, logger: opts.logger,
      account: opts.account ?? (() => ensureServiceAccount()), network: opts.network,
      maxConnections: async () => clusterMaxConnections(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS, await this.promisedConnections()),
    });
    this.records = new InstanceRecords(join(dir, 'instances'));
    this.backups = { capture: (id, file) => this.capture(id, file), restore: (id, file) => this.restore(id, file) };
  }

  /** Provisioning and deprovisioning take turns: the last deprovision stops the cluster. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  provision(instanceId: string, plan: Plan): Promise<void> {
    return this.serial(() => this.create(instanceId, plan));
  }

  private async create(instanceId: string, plan: Plan): Promise<void> {
    const database = databaseName(instanceId);
    if (await this.records.get(instanceId)) throw new Error(`postgresql instance ${instanceId} already exists`);
    const target = await this.cluster.ensureStarted();
    const record: PgInstance = {
      plan: plan.name, database, password: newPassword(), connections: plan.limits.connections ?? 20, storageMb: plan.limits.storageMb ?? 1024,
    };
    // Provisioning takes turns (serial), so nothing is promised between this check and the record.
    checkConnectionBudget(this.cluster.maxConnections!, await this.promisedConnections(), record.connections, plan.name);
    // The record first: a crash half way leaves something deprovision can find and clean up.
    await this.records.put(instanceId, record);
    const db = quoteIdent(database);
    await runSql(target, [
      `CREATE ROLE ${db} LOGIN PASSWORD ${quotePassword(record.password)} CONNECTION LIMIT ${Math.floor(record.connections)}`,
      `CREATE DATABASE ${db} OWNER ${db} ENCODING 'UTF8'`,
      `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${db}`,
    ]);
    await runSql(target, tenantCatalogPrivacy(database), database);
    this.opts.logger.info('postgresql-database-created', { instance: instanceId, database, plan: plan.name });
  }

  private async instance(instanceId: string): Promise<PgInstance> {
    const record = await this.records.get(instanceId);
    if (!record) throw new Error(`no postgresql instance ${instanceId}`);
    return record;
  }

  async bind(instanceId: string, _bindingId: string): Promise<Credentials> {
    const r = await this.instance(instanceId);
    const target = await this.cluster.ensureStarted();
    return { url: `postgres://${r.database}:${r.password}@${(this.opts.network ?? LOOPBACK_ADDON_NETWORK).host}:${target.port}/${r.database}` };
  }

  /** Every binding shares the instance's role (Heroku's attachments share one credential). */
  async unbind(): Promise<void> {}

  deprovision(instanceId: string): Promise<void> {
    return this.serial(async () => {
      const record = await this.records.get(instanceId);
      if (!record) return;
      const target = await this.cluster.ensureStarted();
      const db = quoteIdent(record.database);
      await runSql(target, [`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, `DROP ROLE IF EXISTS ${db}`]);
      await this.records.delete(instanceId);
      this.opts.logger.info('postgresql-database-dropped', { instance: instanceId, database: record.database });
      // Started on first need, stopped when no add-on needs it any more; its files stay for the next one.
      if ((await this.records.ids()).length === 0) await this.cluster.stop();
    });
  }

  async status(instanceId: string): Promise<InstanceStatus> {
    const record = await this.records.get(instanceId);
    const server = this.cluster.supervised;
    const restarts = server?.restarts ?? 0;
    if (!record) return { state: 'missing', restarts, details: {} };
    const details: Record<string, string> = { plan: record.plan, connections: String(record.connections), 'size limit (advisory)': `${record.storageMb} MB` };
    if (!server || server.state !== 'up' || !(await server.alive())) return { state: server?.state === 'starting' ? 'starting' : 'down', restarts, details };
    const target = await this.cluster.ensureStarted();
    details.host = (this.opts.network ?? LOOPBACK_ADDON_NETWORK).host;
    details.port = String(target.port);
    const size = await runSql(target, [`SELECT pg_database_size(${quoteLiteralName(record.database)})`]).catch(() => '');
    if (size.trim()) details['data size'] = `${Math.ceil(Number(size.trim()) / 1024)} kB`;
    return { state: 'up', restarts, details };
  }

  /** The connections every existing add-on's plan promised: the sum of their role limits. */
  private async promisedConnections(): Promise<number> {
    let sum = 0;
    for (const id of await this.records.ids()) sum += (await this.records.get(id))?.connections ?? 0;
    return sum;
  }

  /**
   * Brings add-ons made by earlier Berths under today's rules: their role's connection limit is
   * the plan's again, and their database hides the other tenants' sessions and statistics.
   */
  private async applyTenantLimits(target: SqlTarget): Promise<void> {
    for (const id of await this.records.ids()) {
      const r = await this.records.get(id);
      if (!r) continue;
      // One add-on that cannot be updated (a create cut short by a crash) never holds up the rest.
      await runSql(target, [`ALTER ROLE ${quoteIdent(r.database)} CONNECTION LIMIT ${Math.floor(r.connections)}`, ...tenantCatalogPrivacy(r.database)], r.database)
        .catch((e: Error) => this.opts.logger.error('postgresql-limits-not-applied', { instance: id, error: e.message }));
    }
  }

  async start(signal: AbortSignal): Promise<void> {
    // A cluster with databases is started (or adopted) now; an empty one waits for its first add-on.
    if (this.cluster.exists() && (await this.records.ids()).length > 0) {
      await this.serial(async () => this.applyTenantLimits(await this.cluster.ensureStarted()))
        .catch((e: Error) => this.opts.logger.error('postgresql-start-failed', { error: e.message }));
    }
    void superviseServers(() => (this.cluster.supervised ? [this.cluster.supervised] : []), signal, this.opts.logger, this.opts.superviseIntervalMs);
  }

  async stopServers(): Promise<void> {
    await this.cluster.stop();
  }

  private async connection(instanceId: string): Promise<{ args: string[]; env: NodeJS.ProcessEnv }> {
    const r = await this.instance(instanceId);
    const target: SqlTarget = await this.cluster.ensureStarted();
    return {
      args: ['-h', '127.0.0.1', '-p', String(target.port), '-U', r.database, '-d', r.database],
      env: { PATH: process.env.PATH, PGPASSWORD: r.password, PGCONNECT_TIMEOUT: '5' },
    };
  }

  /** pg_dump's custom format, as the add-on's own role: what Heroku's pg:backups keeps. */
  private async capture(instanceId: string, file: string): Promise<void> {
    const c = await this.connection(instanceId);
    await runChecked(this.opts.bins.bin('pg_dump'), ['-Fc', '--no-owner', '--no-privileges', '-f', file, ...c.args], { env: c.env });
  }

  /** Drops what the dump holds and recreates it; objects the dump does not know are left alone. */
  private async restore(instanceId: string, file: string): Promise<void> {
    const c = await this.connection(instanceId);
    const r = await run(this.opts.bins.bin('pg_restore'), ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...c.args, file], { env: c.env });
    if (r.code !== 0) throw new Error(`pg_restore failed: ${r.stderr.trim()}`);
  }
}

/** A generated database name as an SQL string literal (for functions that take a name). */
const quoteLiteralName = (name: string): string => `'${quoteIdent(name).slice(1, -1)}'`;
