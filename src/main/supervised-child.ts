// One child process of `berth server` (the API or the router), kept running: an unexpected exit
// is logged and the child started again after a growing, capped delay; a child that ran long
// enough before it exited starts again without delay. Spawning and time are passed in.
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { RetryBackoff } from '../platform/retry-backoff.js';

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export interface ChildHandle {
  pid: number;
  /** Resolves (never rejects) once the process is gone. */
  exited: Promise<ChildExit>;
  kill(signal: NodeJS.Signals): void;
}

export interface SupervisedChildOptions {
  role: string;
  spawn(): ChildHandle;
  /** A live process of this role that an earlier supervisor left, taken over instead of a new one. */
  adopt?(): ChildHandle | undefined;
  /** Each process that starts serving as this child (e.g. to write its pid file). */
  onStarted?(child: ChildHandle): void;
  clock: Clock;
  logger: Logger;
  /** Delays between restarts. Default 250 ms doubling up to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A child that ran this long before it exited counts as healthy: its restart starts again from the
   * first delay. Default 10 s: an API start takes a few seconds, so only a crash loop grows the delay,
   * and an API that dies now and then comes back at once.
   */
  healthyAfterMs?: number;
  /**
   * An exit with this code is a terminal error the child has already explained (e.g. its port is
   * taken): starting it again would fail the same way, so run() ends instead of restarting it.
   */
  terminalExitCode?: number;
}

export class SupervisedChild {
  private current: ChildHandle | undefined;

  constructor(private readonly o: SupervisedChildOptions) {}

  get pid(): number | undefined {
    return this.current?.pid;
  }

  /**
   * Keeps the child running until `signal` aborts (resolves undefined; stop() then ends the child
   * itself) or until it exits with the terminal exit code (resolves that exit).
   */
  async run(signal: AbortSignal): Promise<ChildExit | undefined> {
    const { clock, logger, role } = this.o;
    const backoff = new RetryBackoff(this.o.backoff ?? { initialMs: 250, maxMs: 30_000 });
    let child = this.o.adopt?.();
    if (child) logger.info('child-adopted', { role, pid: child.pid });
    while (!signal.aborted) {
      if (!child) {
        try {
          child = this.o.spawn();
        } catch (e) {
          const delay = backoff.next();
          logger.error('child-start-failed', { role, error: (e as Error).message, retryInMs: delay });
          await clock.sleep(delay, signal).catch(() => undefined);
          continue;
        }
        logger.info('child-started', { role, pid: child.pid });
      }
      this.current = child;
      this.o.onStarted?.(child);
      const startedAt = clock.now();
      const exit = await child.exited;
      if (signal.aborted) return undefined;
      this.current = undefined;
      if (this.o.terminalExitCode !== undefined && exit.code === this.o.terminalExitCode) {
        logger.error('child-failed-terminally', { role, pid: child.pid, code: exit.code });
        return exit;
      }
      if (clock.now() - startedAt >= (this.o.healthyAfterMs ?? 10_000)) backoff.reset();
      const delay = backoff.next();
      logger.error('child-exited-unexpectedly', { role, pid: child.pid, code: exit.code, signal: exit.signal, restartInMs: delay, restarts: backoff.failures });
      child = undefined;
      await clock.sleep(delay, signal).catch(() => undefined);
    }
    return undefined;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
  async stop(graceMs: number): Promise<void> {
    const child = this.current;
    if (!child) return;
    child.kill('SIGTERM');
    let killed = false;
    const timeout = new AbortController();
    void this.o.clock.sleep(graceMs, timeout.signal).then(() => {
      killed = true;
      this.o.logger.warn('child-stop-timeout', { role: this.o.role, pid: child.pid, graceMs });
      child.kill('SIGKILL');
    }, () => undefined);
    await child.exited;
    timeout.abort();
    if (!killed) this.o.logger.info('child-stopped', { role: this.o.role, pid: child.pid });
    this.current = undefined;
  }
}
