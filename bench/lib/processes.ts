// Child processes a benchmark starts (pinned with taskset when asked), and the cleanup that ends every one of them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { sleep } from './stats.js';

export interface Started {
  child: ChildProcess;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Core list for `taskset -c`; the process runs unpinned when undefined. */
  cpus?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs `command args` (through `taskset -c <cpus>` when pinned; taskset execs, so the pid is the
 * program's own). The process is SIGTERMed, then SIGKILLed, by stop().
 */
export function startProcess(command: string, args: string[], opts: StartOptions = {}): Started {
  const argv = opts.cpus === undefined ? [command, ...args] : ['taskset', '-c', opts.cpus, command, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer) => {
    output += c.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('error', (e) => (output += `\n${e.message}`));
  return {
    child,
    pid: child.pid ?? -1,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until something accepts TCP connections on 127.0.0.1:port, or throws with the process's output. */
export async function waitForPort(port: number, started?: Started, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started && started.child.exitCode !== null) throw new Error(`process exited with ${started.child.exitCode}:\n${started.output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms${started ? ':\n' + started.output() : ''}`);
    await sleep(50);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs a program to completion (argv only), with a hard timeout. */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException).code === 'number' ? Number((error as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && !stderr ? error.message : '') });
    });
  });
}

/** A LIFO list of cleanups; every one runs even when an earlier one throws. */
export class Cleanup {
  private readonly steps: (() => Promise<void> | void)[] = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      try {
        await this.steps.pop()!();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) process.stderr.write(`bench: cleanup problems: ${errors.map(String).join('; ')}\n`);
  }
}
