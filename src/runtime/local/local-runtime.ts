// The `local` runtime driver: every instance is a process tree on this machine, sandboxed with
// namespaces, an overlay /app and cgroup limits when root, plain child processes otherwise.
// Instances outlive the Berth process; a new LocalRuntime over the same stateDir adopts them.
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { BerthError } from '../../domain/errors.js';
import type { Instance, InstanceSpec, InstanceStats, LogChunk, OneOffSpec, Runtime } from '../runtime.js';
import type { Logger } from '../../platform/logger.js';
import { isoNow, systemClock, type Clock } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import { currentPrivileges, type Privileges } from '../../platform/privileges.js';
import { BridgeSandboxNetwork } from '../../platform/sandbox-network/bridge-sandbox-network.js';
import type { SandboxNetwork } from '../../platform/sandbox-network/sandbox-network.js';
import { loopbackNameservers } from '../../platform/sandbox-network/resolv-conf.js';
import { InstanceCgroups } from './cgroups.js';
import { detectIsolation } from './detect-isolation.js';
import { freeLoopbackPort } from './free-port.js';
import { InstanceStateDir, type InstanceRecord, type IsolationMode } from './instance-state.js';
import { launchInstance } from './instance-launcher.js';
import { tailLogFile } from './log-file-tail.js';
import { isSameProcessAlive, readProcStat, sessionUsage } from './proc.js';
import { onTerminal } from './terminal-command.js';

export interface LocalRuntimeOptions {
  stateDir: string;
  logger: Logger;
  clock?: Clock;
  /** `auto` sandboxes when the machine allows it; `off` always runs plain child processes. */
  isolation?: 'auto' | 'off';
  /** How long stop() waits after SIGTERM before SIGKILL, unless the caller says otherwise. */
  stopGraceMs?: number;
  /** How often adopted instances (not our children) are checked for exit. */
  exitPollMs?: number;
  cgroupRoot?: string;
  /**
   * Where isolated instances live on the network: each in its own namespace on this network,
   * reachable from the host only. Default: the `berth0` bridge. Plain instances share the host's.
   */
  network?: SandboxNetwork;
  /** Default: what the process runs as (platform/privileges.ts). */
  privileges?: Privileges;
}

interface Tracked {
  record: InstanceRecord;
  exit?: { code: number | null; at: string };
  child?: ChildProcess;
  waiters: (() => void)[];
  /** Set when the exit is first noticed; resolves once its cgroups are gone and listeners were told. */
  exiting?: Promise<void>;
}

const DEFAULT_STOP_GRACE_MS = 10_000;
const DEFAULT_EXIT_POLL_MS = 500;
/** $PORT of isolated instances: each has an address of its own, so all use the same port (as on docker). */
export const SANDBOX_PORT = 5000;

export class LocalRuntime implements Runtime {
  readonly name = 'local' as const;
  private readonly state: InstanceStateDir;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly network: SandboxNetwork;
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<(instance: Instance) => void>();
  private ready: Promise<IsolationMode> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private detached = false;
  private readonly privileges: Privileges;

  constructor(private readonly opts: LocalRuntimeOptions) {
    this.state = new InstanceStateDir(opts.stateDir);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger;
    this.network = opts.network ?? new BridgeSandboxNetwork();
    this.privileges = opts.privileges ?? currentPrivileges();
  }

  /** The host's address on the instances' network, or undefined when instances share the host's (plain mode). */
  async gateway(): Promise<{ address: string; subnet: string } | undefined> {
    return (await this.mode()) === 'isolated' ? { address: this.network.gateway, subnet: this.network.subnet } : undefined;
  }

  /** The sandbox new instances get (`isolated` or `plain`); also adopts instances left running on disk. */
  mode(): Promise<IsolationMode> {
    this.ready ??= this.init();
    return this.ready;
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    const mode = await this.mode();
    // A slug that is gone (removed by hand, a BERTH_HOME restored without slugs/) never comes back by itself.
    if (!(await isDirectory(spec.slug))) throw new BerthError('start_refused', `the slug ${spec.slug} is missing`);
    const id = newId();
    const name = `${spec.processType}.${spec.index}`;
    const port = await this.portFor(mode);
    const { env: _secrets, ...publicSpec } = spec;
    const record: InstanceRecord = { id, spec: publicSpec, name, port, pid: 0, pidStartTime: 0, startedAt: isoNow(this.clock), mode };
    let launched;
    try {
      launched = await launchInstance(this.state, { id, name, spec, port, mode, attach: 'detached', network: this.networkFor(mode), privileges: this.privileges }, this.opts.cgroupRoot);
    } catch (e) {
      await this.discard(id, mode);
      throw e;
    }
    const { child } = launched;
    record.address = launched.network?.address;
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      await this.discard(id, mode);
      throw error;
    }
    record.pid = child.pid;
    const tracked: Tracked = { record, child, waiters: [] };
    this.tracked.set(id, tracked);
    child.once('exit', (code, signal) => void this.markExited(tracked, code ?? signalExitCode(signal)));
    // A ChildProcess reports later failures (a signal it could not send) as 'error': log, never crash.
    child.on('error', (e: Error) => this.log.warn('instance-process-error', { instance: id, error: e.message }));
    child.unref();
    record.pidStartTime = (await readProcStat(child.pid))?.startTime ?? 0;
    await this.state.writeRecord(record);
    this.log.info('instance-started', { instance: id, app: spec.appName, dyno: name, pid: child.pid, address: record.address, port, mode });
    return this.toInstance(tracked);
  }

  async stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    await this.mode();
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    // Exited on its own a moment ago: stopped means its cgroups are gone too, so wait for that.
    if (tracked.exit) return tracked.exiting;
    const graceMs = opts.graceMs ?? this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    signalGroup(tracked.record.pid, 'SIGTERM');
    if (!(await this.waitForExit(tracked, graceMs))) {
      this.log.warn('instance-killed', { instance: id, graceMs });
      signalGroup(tracked.record.pid, 'SIGKILL');
      // Whatever left the process group (setsid, daemons) is still in the cgroup.
      await this.cgroupsOf(tracked.record)?.killAll();
      await this.waitForExit(tracked, Number.POSITIVE_INFINITY);
    }
    this.log.info('instance-stopped', { instance: id });
  }

  async list(filter: { appId?: string } = {}): Promise<Instance[]> {
    await this.mode();
    return [...this.tracked.values()]
      .filter((t) => filter.appId === undefined || t.record.spec.appId === filter.appId)
      .map((t) => this.toInstance(t));
  }

  async inspect(id: string): Promise<Instance | undefined> {
    await this.mode();
    const tracked = this.tracked.get(id);
    return tracked && this.toInstance(tracked);
  }

  async *logs(id: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncIterable<LogChunk> {
    await this.mode();
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    yield* tailLogFile(this.state.logPath(id), {
      follow: opts.follow,
      signal: opts.signal,
      hasExited: async () => tracked.exit !== undefined || !(await this.isAlive(tracked)),
    });
  }

  async stats(id: string): Promise<InstanceStats | undefined> {
    await this.mode();
    const tracked = this.tracked.get(id);
    if (!tracked || tracked.exit) return undefined;
    const cgroups = this.cgroupsOf(tracked.record);
    if (cgroups) return { cpuSeconds: await cgroups.cpuSeconds(), memoryBytes: await cgroups.memoryRssBytes(), memoryLimitBytes: await cgroups.memoryLimitBytes() };
    return sessionUsage(tracked.record.pid);
  }

  async exec(spec: OneOffSpec): Promise<{ exitCode: number }> {
    const mode = await this.mode();
    const id = newId();
    // Heroku names one-off dynos run.<random>, which also keeps their hostnames apart.
    const name = spec.dynoName ?? `run.${randomInt(1000, 10000)}`;
    const port = await this.portFor(mode);
    let stopOnAbort: (() => void) | undefined;
    try {
      const onItsTerminal = spec.tty ? { ...spec, command: onTerminal(spec.command) } : spec;
      const { child, cgroups } = await launchInstance(this.state, { id, name, spec: onItsTerminal, port, mode, attach: 'attached', network: this.networkFor(mode), privileges: this.privileges }, this.opts.cgroupRoot);
      const closed = new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, signal) => resolve(c ?? signalExitCode(signal)));
      });
      if (child.pid !== undefined) {
        const record = { id, name, pid: child.pid, pidStartTime: (await readProcStat(child.pid))?.startTime ?? 0, mode };
        // Without the record only a restart's leftover sweep is lost; the one-off itself still runs and stops.
        await this.state.writeOneOffRecord(record).catch((e: Error) => this.log.warn('one-off-record-failed', { dyno: name, error: e.message }));
      }
      // Its output reaches the caller only once the record exists (until then it waits in the pipe): a
      // caller that saw the one-off's first words knows a leftover sweep would find it.
      child.stdout?.pipe(spec.stdout, { end: false });
      child.stderr?.pipe(spec.stderr ?? spec.stdout, { end: false });
      // A one-off that exits before reading all its input closes the pipe: EPIPE is its answer, not our fault.
      child.stdin?.on('error', (e: Error) => this.log.info('one-off-stdin-closed', { dyno: name, error: e.message }));
      if (spec.stdin && child.stdin) spec.stdin.pipe(child.stdin);
      else child.stdin?.end();
      if (spec.signal && child.pid !== undefined) {
        const pid = child.pid;
        stopOnAbort = () => this.stopOneOff(name, pid, cgroups, closed);
        if (spec.signal.aborted) stopOnAbort();
        else spec.signal.addEventListener('abort', stopOnAbort, { once: true });
      }
      const code = await closed;
      if (spec.stdin && child.stdin) spec.stdin.unpipe(child.stdin);
      const recorded = await this.state.readExit(id);
      return { exitCode: recorded?.code ?? code };
    } finally {
      if (stopOnAbort) spec.signal?.removeEventListener('abort', stopOnAbort);
      await this.discard(id, mode);
    }
  }

  /** As stop() for an instance: SIGTERM to the one-off's session, SIGKILL to all of it after the grace period. */
  private stopOneOff(name: string, pid: number, cgroups: InstanceCgroups | undefined, closed: Promise<number>): void {
    signalGroup(pid, 'SIGTERM');
    const graceMs = this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    const kill = setTimeout(() => {
      this.log.warn('one-off-killed', { dyno: name, graceMs });
      signalGroup(pid, 'SIGKILL');
      // Whatever left the process group (setsid, daemons) is still in the cgroup.
      void cgroups?.killAll().catch((e: Error) => this.log.error('one-off-kill-failed', { dyno: name, error: e.message }));
    }, graceMs);
    kill.unref();
    closed.then(() => clearTimeout(kill), () => clearTimeout(kill));
  }

  async stopLeftoverOneOffs(): Promise<number> {
    await this.mode();
    let stopped = 0;
    for (const record of await this.state.readOneOffRecords()) {
      // Nothing reads its output or would ever stop it, so there is no grace to give.
      if (record.pid > 0 && (await isSameProcessAlive(record.pid, record.pidStartTime))) {
        signalGroup(record.pid, 'SIGKILL');
        stopped++;
      }
      if (record.mode === 'isolated') await new InstanceCgroups(record.id, this.opts.cgroupRoot).killAll();
      await this.discard(record.id, record.mode);
      this.log.info('one-off-leftover-stopped', { dyno: record.name, pid: record.pid });
    }
    return stopped;
  }

  onExit(listener: (instance: Instance) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async remove(id: string): Promise<void> {
    await this.mode();
    const tracked = this.tracked.get(id);
    if (!tracked) return;
    await this.stop(id);
    this.tracked.delete(id);
    await this.discard(id, tracked.record.mode);
  }

  /**
   * Lets go of every instance without stopping it (Berth is shutting down or handing over):
   * no more exit polling, no more events. The processes keep running for the next runtime to adopt.
   */
  detach(): void {
    this.detached = true;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const tracked of this.tracked.values()) tracked.child?.removeAllListeners('exit');
  }

  private async init(): Promise<IsolationMode> {
    await this.state.installScript();
    const mode = await this.chooseMode();
    if (mode === 'isolated') {
      await this.network.prepare();
      await this.warnAboutDns();
    }
    for (const record of await this.state.readRecords()) await this.adopt(record);
    // Nothing of this runtime has started yet, so every unrecorded directory is a crash's leftover
    // (a one-off's env file holds the app's config): whatever still runs in it is killed.
    for (const id of await this.state.unrecordedIds()) {
      this.log.info('instance-leftover-removed', { instance: id });
      await this.discard(id, mode);
    }
    await this.sweepLeftovers();
    return mode;
  }

  private async chooseMode(): Promise<IsolationMode> {
    if (this.opts.isolation === 'off') {
      this.log.warn('isolation-off', { reason: 'disabled by configuration' });
      return 'plain';
    }
    const report = await detectIsolation(this.opts.cgroupRoot, this.privileges);
    if (report.available) return 'isolated';
    this.log.warn('isolation-off', { reason: report.reason });
    return 'plain';
  }

  private async adopt(record: InstanceRecord): Promise<void> {
    const tracked: Tracked = { record, waiters: [] };
    this.tracked.set(record.id, tracked);
    if (await this.isAlive(tracked)) {
      this.log.info('instance-adopted', { instance: record.id, dyno: record.name, pid: record.pid });
      this.ensurePolling();
      return;
    }
    // It ended while no Berth was watching: report it as exited, without an event nobody asked for.
    const exit = await this.state.readExit(record.id);
    tracked.exit = { code: exit?.code ?? null, at: (exit?.at ?? new Date(this.clock.now())).toISOString() };
    await this.cgroupsOf(record)?.remove();
  }

  /** Instances resolve names through the host's resolv.conf, from their own network namespace. */
  private async warnAboutDns(): Promise<void> {
    const { all, loopback } = loopbackNameservers(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    if (loopback.length > 0 && loopback.length === all.length) {
      this.log.warn('instance-dns-unreachable', { nameservers: loopback, reason: 'only loopback nameservers in /etc/resolv.conf; instances have their own loopback: name a reachable server there' });
    }
  }

  /**
   * Frees what dead instances still hold on the network (a crash between start and record, or an
   * instance that ended while no Berth was watching): their namespace, veth and address.
   */
  private async sweepLeftovers(): Promise<void> {
    for (const id of await this.state.listIds()) {
      const tracked = this.tracked.get(id);
      if (tracked && !tracked.exit) continue;
      if (!(await this.network.isAttached(id).catch(() => false))) continue;
      await this.network.detach(id).then(
        () => this.log.info('instance-network-removed', { instance: id, reason: tracked ? 'exited' : 'never started' }),
        (e: Error) => this.log.error('instance-network-remove-failed', { instance: id, error: e.message }),
      );
      // A directory without a record is a start that never got as far as spawning: nothing else to keep.
      if (!tracked) await this.state.remove(id);
    }
  }

  /** Adopted instances are not our children, so their exit is noticed by polling /proc. */
  private ensurePolling(): void {
    if (this.pollTimer || this.detached) return;
    this.pollTimer = setInterval(() => void this.pollAdopted().catch((e: Error) => this.log.warn('exit-poll-failed', { error: e.message })), this.opts.exitPollMs ?? DEFAULT_EXIT_POLL_MS);
    this.pollTimer.unref();
  }

  private async pollAdopted(): Promise<void> {
    for (const tracked of this.tracked.values()) {
      if (tracked.child || tracked.exit) continue;
      if (!(await this.isAlive(tracked))) await this.markExited(tracked, null);
    }
  }

  private async isAlive(tracked: Tracked): Promise<boolean> {
    return tracked.record.pid > 0 && isSameProcessAlive(tracked.record.pid, tracked.record.pidStartTime);
  }

  /** Records the exit once (child event, poll and stop may all notice it), frees cgroups, tells listeners. */
  private markExited(tracked: Tracked, fallbackCode: number | null): Promise<void> {
    if (this.detached) return Promise.resolve();
    // Whoever noticed first does the work; everyone (stop() included) waits for the same end.
    tracked.exiting ??= this.recordExit(tracked, fallbackCode).catch((e: Error) =>
      this.log.error('instance-exit-not-recorded', { instance: tracked.record.id, error: e.message }));
    return tracked.exiting;
  }

  private async recordExit(tracked: Tracked, fallbackCode: number | null): Promise<void> {
    if (tracked.exit) return;
    // An unreadable exit file still ends the instance (with the code the process reported).
    const recorded = await this.state.readExit(tracked.record.id).catch(() => undefined);
    if (tracked.exit) return;
    tracked.exit = { code: recorded?.code ?? fallbackCode, at: isoNow(this.clock) };
    await this.cgroupsOf(tracked.record)?.remove().catch((e: Error) =>
      this.log.error('cgroup-remove-failed', { instance: tracked.record.id, error: e.message }),
    );
    this.log.info('instance-exited', { instance: tracked.record.id, dyno: tracked.record.name, exitCode: tracked.exit.code });
    for (const waiter of tracked.waiters.splice(0)) waiter();
    const instance = this.toInstance(tracked);
    for (const listener of this.listeners) {
      try {
        listener(instance);
      } catch (e) {
        this.log.error('exit-listener-failed', { instance: tracked.record.id, error: (e as Error).message });
      }
    }
  }

  /** True once the instance has exited, false if timeoutMs passed first. */
  private async waitForExit(tracked: Tracked, timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    const exited = new Promise<void>((resolve) => tracked.waiters.push(resolve));
    while (!tracked.exit) {
      if (this.clock.now() >= deadline) return false;
      // Children report through their exit event; adopted ones are checked here, faster than the poll.
      if (!tracked.child && !(await this.isAlive(tracked))) {
        await this.markExited(tracked, null);
        break;
      }
      await Promise.race([exited, this.clock.sleep(Math.min(50, Math.max(0, deadline - this.clock.now())))]);
    }
    await tracked.exiting;
    return true;
  }

  private async discard(id: string, mode: IsolationMode): Promise<void> {
    if (mode === 'isolated') {
      await new InstanceCgroups(id, this.opts.cgroupRoot).remove();
      // Before the state dir goes: while it is there, a failed detach is retried by the next start's sweep.
      await this.network.detach(id);
    }
    await this.state.remove(id);
  }

  private networkFor(mode: IsolationMode): SandboxNetwork | undefined {
    return mode === 'isolated' ? this.network : undefined;
  }

  /** Isolated instances each have their own address; plain ones share the host's loopback, so ports must differ. */
  private async portFor(mode: IsolationMode): Promise<number> {
    return mode === 'isolated' ? SANDBOX_PORT : freeLoopbackPort(this.portsInUse());
  }

  private cgroupsOf(record: InstanceRecord): InstanceCgroups | undefined {
    return record.mode === 'isolated' ? new InstanceCgroups(record.id, this.opts.cgroupRoot) : undefined;
  }

  private portsInUse(): Set<number> {
    return new Set([...this.tracked.values()].filter((t) => !t.exit).map((t) => t.record.port));
  }

  private toInstance({ record, exit }: Tracked): Instance {
    const { spec } = record;
    return {
      id: record.id,
      appId: spec.appId,
      appName: spec.appName,
      releaseId: spec.releaseId,
      releaseVersion: spec.releaseVersion,
      processType: spec.processType,
      index: spec.index,
      name: record.name,
      status: exit ? 'exited' : 'running',
      exitCode: exit?.code ?? null,
      address: { host: record.address ?? '127.0.0.1', port: record.port },
      startedAt: record.startedAt,
      exitedAt: exit?.at ?? null,
      // A record is JSON from disk: one written by an older Berth may lack what this one expects.
      size: spec.size?.name ?? null,
    };
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** The shell convention for a process killed by a signal: 128 + its number. */
function signalExitCode(signal: NodeJS.Signals | null): number {
  return signal ? 128 + (osConstants.signals[signal] ?? 0) : 1;
}

const isDirectory = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
