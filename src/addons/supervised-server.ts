// One long-running add-on server (a postmaster, a redis-server): started detached so it outlives
// Berth, adopted by the next Berth through its pid file, restarted when it dies.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, readlink, writeFile } from 'node:fs/promises';
import type { Logger } from '../platform/logger.js';
import type { MemoryCgroup } from './memory-cgroup.js';
import type { ServiceAccount } from './service-account.js';

export interface ServerSpec {
  /** For logs: `postgresql`, `redis <id>`. */
  name: string;
  command: string;
  args: string[];
  /** The server's data directory and working directory: a live process whose cwd is this, is this server. */
  cwd: string;
  /** Berth's record of the pid (root's file, not the server's). */
  pidFile: string;
  logFile: string;
  account: ServiceAccount;
  env?: NodeJS.ProcessEnv;
  /**
   * What the server was configured with that a running one must match to be adopted (its listen
   * addresses, its config file): a server left running with another configuration is restarted.
   */
  config?: string;
  /**
   * The memory group the server runs in: joined right after the spawn (and by an adopted server),
   * removed when the server stops.
   */
  memory?: MemoryCgroup;
  /** True once the server accepts connections. */
  ready(): Promise<boolean>;
  readyTimeoutMs?: number;
}

export type ServerState = 'up' | 'starting' | 'down';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SupervisedServer {
  state: ServerState = 'down';
  /** Restarts after a crash, since this Berth began supervising. */
  restarts = 0;
  private pid: number | undefined;
  private wanted = false;
  private starting: Promise<void> | undefined;

  constructor(private readonly spec: ServerSpec, private readonly logger: Logger) {}

  get name(): string {
    return this.spec.name;
  }

  /** Is the recorded pid alive and still this server? (A zombie or a reused pid has another cwd.) */
  async alive(): Promise<boolean> {
    const pid = this.pid ?? (await this.recordedPid());
    if (!pid) return false;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd !== this.spec.cwd) return false;
    this.pid = pid;
    return true;
  }

  private async recordedPid(): Promise<number | undefined> {
    const text = await readFile(this.spec.pidFile, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Adopts the running server or starts it, and waits until it accepts connections. */
  ensureUp(): Promise<void> {
    this.wanted = true;
    this.starting ??= this.bringUp().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async bringUp(): Promise<void> {
    const running = await this.alive();
    if (running && !(await this.startedWithOtherConfig())) {
      // A server started before Berth put servers in groups (or whose group was lost) joins one now.
      await this.holdInMemoryGroup(this.pid!);
      if (this.state === 'down') this.logger.info('addon-server-adopted', { server: this.spec.name, pid: this.pid });
    } else {
      if (running) {
        // Listen addresses and config files are read at start: only a restart applies new ones.
        this.logger.info('addon-server-reconfiguring', { server: this.spec.name, pid: this.pid });
        await this.terminate(10_000);
      }
      this.state = 'starting';
      this.launch();
      if (this.pid) await this.holdInMemoryGroup(this.pid);
    }
    await this.waitReady();
    this.state = 'up';
  }

  private launch(): void {
    const log = openSync(this.spec.logFile, 'a', 0o600);
    try {
      const child = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd, env: this.spec.env ?? { PATH: process.env.PATH }, detached: true,
        stdio: ['ignore', log, log], uid: this.spec.account.uid, gid: this.spec.account.gid,
      });
      child.on('error', (e) => this.logger.error('addon-server-spawn-failed', { server: this.spec.name, error: e.message }));
      child.unref();
      this.pid = child.pid;
      this.logger.info('addon-server-started', { server: this.spec.name, pid: child.pid });
    } finally {
      closeSync(log);
    }
    const unwritten = (e: Error) => this.logger.warn('addon-server-file-not-written', { server: this.spec.name, error: e.message });
    if (this.pid) void writeFile(this.spec.pidFile, `${this.pid}\n`, { mode: 0o600 }).catch(unwritten);
    if (this.pid && this.spec.config !== undefined) void writeFile(this.configFile, this.spec.config, { mode: 0o600 }).catch(unwritten);
  }

  /**
   * Node cannot spawn straight into a cgroup, so the server joins right after its spawn, before it
   * has loaded its data; what it touched before is charged to the group as it moves in.
   */
  private async holdInMemoryGroup(pid: number): Promise<void> {
    const memory = this.spec.memory;
    if (!memory) return;
    await memory.create();
    try {
      await memory.join(pid);
    } catch (e) {
      // A server that cannot be held to its limit must not run unlimited: stop it and say why.
      process.kill(pid, 'SIGKILL');
      throw new Error(`${this.spec.name} could not join its memory group ${memory.dir}: ${(e as Error).message}`);
    }
  }

  /** Beside the pid file: the configuration the running server was started with. */
  private get configFile(): string {
    return `${this.spec.pidFile}.config`;
  }

  /** A server started by an earlier Berth with other settings (or before they were recorded). */
  private async startedWithOtherConfig(): Promise<boolean> {
    if (this.spec.config === undefined) return false;
    return (await readFile(this.configFile, 'utf8').catch(() => undefined)) !== this.spec.config;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (await this.spec.ready().catch(() => false)) return;
      if (!(await this.alive()) && this.state === 'starting') {
        const tail = (await readFile(this.spec.logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n');
        this.state = 'down';
        throw new Error(`${this.spec.name} exited while starting:\n${tail}`);
      }
      if (Date.now() > deadline) throw new Error(`${this.spec.name} did not accept connections within ${this.spec.readyTimeoutMs ?? 30_000} ms`);
      await sleep(100);
    }
  }

  /** One supervision step: a wanted server that died is started again. */
  async check(): Promise<void> {
    if (!this.wanted || this.starting) return;
    if (await this.alive()) return;
    this.logger.warn('addon-server-crashed', { server: this.spec.name, pid: this.pid });
    this.pid = undefined;
    this.state = 'down';
    this.restarts++;
    await this.ensureUp();
    this.logger.info('addon-server-restarted', { server: this.spec.name, pid: this.pid, restarts: this.restarts });
  }

  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and stops wanting it. */
  async stop(graceMs = 10_000): Promise<void> {
    this.wanted = false;
    await this.starting?.catch(() => undefined);
    await this.terminate(graceMs);
  }

  private async terminate(graceMs: number): Promise<void> {
    if (!(await this.alive())) {
      this.state = 'down';
      // A server that died on its own (the kernel's OOM killer) leaves its group behind.
      await this.removeMemoryGroup();
      return;
    }
    const pid = this.pid!;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ((await this.alive()) && Date.now() < deadline) await sleep(50);
    if (await this.alive()) process.kill(pid, 'SIGKILL');
    while (await this.alive()) await sleep(50);
    this.pid = undefined;
    this.state = 'down';
    await this.removeMemoryGroup();
    this.logger.info('addon-server-stopped', { server: this.spec.name, pid });
  }

  private async removeMemoryGroup(): Promise<void> {
    await this.spec.memory?.remove().catch((e: Error) => this.logger.warn('addon-cgroup-remove-failed', { server: this.spec.name, error: e.message }));
  }

  /** The server's pid, when known. */
  get currentPid(): number | undefined {
    return this.pid;
  }
}

/** Checks every server each `intervalMs` until the signal aborts; one failure never stops the loop. */
export async function superviseServers(servers: () => Iterable<SupervisedServer>, signal: AbortSignal, logger: Logger, intervalMs = 1000): Promise<void> {
  while (!signal.aborted) {
    // Never rejects (its callers start it with `void`): a fault in one pass is logged, the next pass runs.
    try {
      for (const s of servers()) {
        if (signal.aborted) break;
        await s.check().catch((e: Error) => logger.error('addon-server-restart-failed', { server: s.name, error: e.message }));
      }
    } catch (e) {
      logger.error('addon-supervision-failed', { error: e instanceof Error ? e.message : String(e) });
    }
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); };
      const t = setTimeout(done, intervalMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
