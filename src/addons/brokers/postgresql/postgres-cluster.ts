// Berth's own PostgreSQL cluster: initdb'd under BERTH_HOME/addons/postgresql on first need,
// listening on 127.0.0.1 (and the docker bridge gateway, on the docker runtime) on a port Berth
// chose, run as the add-on system user, supervised; TLS on (self-signed) for clients that require it.
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, runChecked } from '../../../platform/exec.js';
import type { Logger } from '../../../platform/logger.js';
import { freeLoopbackPort } from '../../../runtime/local/free-port.js';
import { LOOPBACK_ADDON_NETWORK, type AddonNetwork } from '../../addon-network.js';
import { newPassword } from '../../instance-records.js';
import { openPathFor, privateDirFor, type ServiceAccount } from '../../service-account.js';
import { SupervisedServer } from '../../supervised-server.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { RESERVED_CONNECTIONS } from './connection-budget.js';
import { SUPERUSER, type SqlTarget } from './psql.js';
import { ensureServerCertificate } from './server-certificate.js';

interface ClusterRecord { port: number; password: string; version: string }

/**
 * Who may connect: the superuser only over loopback, and each add-on role only into the database
 * of its own name (`sameuser`), from loopback or from the app networks (`clients`). CONNECT is
 * also revoked from PUBLIC per database, so either rule alone holds.
 *
 * With app networks, add-on roles are also admitted from the host's own addresses (`samehost`):
 * Docker's NAT rule for its default bridge (`-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`) rewrites
 * the host's own connections to the bridge address, so `berth pg:psql` on the host arrives from its
 * LAN address. Only the host can use those as a source (the kernel drops packets from outside that
 * carry one of its own addresses), the same processes that reach loopback anyway.
 */
export function pgHba(clients: string[]): string {
  return [
    '# Written by Berth at every start; edits are overwritten.',
    `local   all        ${SUPERUSER}                  scram-sha-256`,
    `host    all        ${SUPERUSER}  127.0.0.1/32    scram-sha-256`,
    `host    all        ${SUPERUSER}  0.0.0.0/0       reject`,
    'host    sameuser   all           127.0.0.1/32    scram-sha-256',
    ...(clients.length > 0 ? ['host    sameuser   all           samehost        scram-sha-256'] : []),
    ...clients.map((cidr) => `host    sameuser   all           ${cidr.padEnd(15)} scram-sha-256`),
    '',
  ].join('\n');
}

export interface ClusterOptions {
  /** BERTH_HOME/addons/postgresql. */
  dir: string;
  /** Directories above `dir` (BERTH_HOME, BERTH_HOME/addons) the server's user must traverse. */
  parents: string[];
  bins: PostgresBinaries;
  account: () => Promise<ServiceAccount>;
  logger: Logger;
  /** Where the postmaster listens and whom pg_hba admits; loopback only by default. */
  network?: AddonNetwork;
  /** max_connections for this start (the broker sizes it to the connections it promised). */
  maxConnections: () => Promise<number>;
}

export class PostgresCluster {
  private server: SupervisedServer | undefined;
  private record: ClusterRecord | undefined;
  private starting: Promise<SqlTarget> | undefined;
  private maxConnectionsValue: number | undefined;

  constructor(private readonly opts: ClusterOptions) {}

  private get data(): string { return join(this.opts.dir, 'data'); }
  private get recordFile(): string { return join(this.opts.dir, 'cluster.json'); }

  /** Has a cluster been initialised here (by this Berth or an earlier one)? */
  exists(): boolean {
    return existsSync(this.recordFile) && existsSync(join(this.data, 'PG_VERSION'));
  }

  /** Initialises the cluster if needed, adopts or starts its postmaster, returns how to reach it. */
  ensureStarted(): Promise<SqlTarget> {
    this.starting ??= this.bringUp().catch((e) => { this.starting = undefined; throw e; });
    return this.starting.then(async (t) => { await this.server!.ensureUp(); return t; });
  }

  private async bringUp(): Promise<SqlTarget> {
    const account = await this.opts.account();
    await openPathFor(account, [...this.opts.parents, this.opts.dir]);
    const record = this.exists() ? (JSON.parse(await readFile(this.recordFile, 'utf8')) as ClusterRecord) : await this.init(account);
    this.record = record;
    const network = this.opts.network ?? LOOPBACK_ADDON_NETWORK;
    // Rewritten at every start so that a changed network reaches clusters made by an earlier Berth.
    await this.writeHba(account, network.clients);
    const tls = await ensureServerCertificate(this.data, account, this.opts.logger);
    const listen = network.listen.join(',');
    const maxConnections = Math.floor(await this.opts.maxConnections());
    this.maxConnectionsValue = maxConnections;
    const target: SqlTarget = { bins: this.opts.bins, port: record.port, password: record.password };
    this.server = new SupervisedServer({
      name: 'postgresql',
      command: this.opts.bins.bin('postgres'),
      args: ['-D', this.data, '-c', `listen_addresses=${listen}`, '-c', `port=${record.port}`,
        '-c', `unix_socket_directories=${join(this.opts.dir, 'run')}`,
        '-c', `max_connections=${maxConnections}`, '-c', `superuser_reserved_connections=${RESERVED_CONNECTIONS}`,
        // ssl_cert_file/ssl_key_file default to server.crt/server.key in the data directory.
        '-c', `ssl=${tls ? 'on' : 'off'}`],
      cwd: this.data,
      pidFile: join(this.opts.dir, 'server.pid'),
      logFile: join(this.opts.dir, 'postgres.log'),
      account,
      // A postmaster left running with other addresses or fewer connections is restarted once;
      // pg_hba.conf is read at start only: a postmaster left running under other rules restarts too.
      config: JSON.stringify({ listen, hba: pgHba(network.clients), maxConnections, tls }),
      ready: async () => (await run(this.opts.bins.bin('pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(record.port)])).code === 0,
    }, this.opts.logger);
    return target;
  }

  private async init(account: ServiceAccount): Promise<ClusterRecord> {
    const run_ = join(this.opts.dir, 'run');
    await rm(this.data, { recursive: true, force: true });
    await privateDirFor(account, this.data);
    await privateDirFor(account, run_);
    const password = newPassword();
    const pwfile = join(run_, 'initdb-password');
    await writeFile(pwfile, password + '\n', { mode: 0o600 });
    if (account.uid !== undefined) await chown(pwfile, account.uid, account.gid ?? account.uid);
    try {
      await runChecked(this.opts.bins.bin('initdb'), ['-D', this.data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-locale'], {
        uid: account.uid, gid: account.gid, cwd: this.data, env: { PATH: process.env.PATH },
      });
    } finally {
      await rm(pwfile, { force: true });
    }
    const record: ClusterRecord = { port: await freeLoopbackPort(new Set()), password, version: this.opts.bins.version };
    await writeFile(this.recordFile, JSON.stringify(record), { mode: 0o600 });
    this.opts.logger.info('postgresql-cluster-initialised', { dir: this.data, port: record.port, version: record.version });
    return record;
  }

  private async writeHba(account: ServiceAccount, clients: string[]): Promise<void> {
    const file = join(this.data, 'pg_hba.conf');
    await writeFile(file, pgHba(clients), { mode: 0o600 });
    if (account.uid !== undefined) await chown(file, account.uid, account.gid ?? account.uid);
  }

  /** Stops the postmaster, whichever Berth started it. */
  async stop(): Promise<void> {
    if (!this.exists()) return;
    this.starting ??= this.bringUp().catch((e) => { this.starting = undefined; throw e; });
    await this.starting;
    await this.server!.stop();
  }

  /** The postmaster, once ensureStarted() ran (for supervision and status). */
  get supervised(): SupervisedServer | undefined {
    return this.server;
  }

  get port(): number | undefined {
    return this.record?.port;
  }

  /** The max_connections the postmaster runs with, once ensureStarted() ran. */
  get maxConnections(): number | undefined {
    return this.maxConnectionsValue;
  }
}
