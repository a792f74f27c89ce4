import { describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../platform/testing/fake-clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { SupervisedChild, type ChildExit, type ChildHandle } from './supervised-child.js';

/** Processes that exit when the test says so, or when killed (SIGKILL always; SIGTERM unless stubborn). */
class FakeProcesses {
  readonly started: Array<ChildHandle & { signals: string[]; exit(e?: Partial<ChildExit>): void }> = [];
  stubborn = false;
  private nextPid = 100;

  spawn = (): ChildHandle => {
    let exit!: (e: ChildExit) => void;
    const exited = new Promise<ChildExit>((r) => (exit = r));
    const signals: string[] = [];
    const child = {
      pid: this.nextPid++, exited, signals,
      exit: (e: Partial<ChildExit> = {}) => exit({ code: e.code ?? 1, signal: e.signal ?? null }),
      kill: (signal: NodeJS.Signals) => {
        signals.push(signal);
        if (signal === 'SIGKILL' || !this.stubborn) exit({ code: null, signal });
      },
    };
    this.started.push(child);
    return child;
  };
}

function supervise(procs: FakeProcesses, opts: { adopt?: () => ChildHandle | undefined; logger?: Logger; terminalExitCode?: number } = {}) {
  const clock = new FakeClock();
  const pidFile: number[] = [];
  const child = new SupervisedChild({
    role: 'api', spawn: procs.spawn, adopt: opts.adopt, onStarted: (c) => void pidFile.push(c.pid), clock, logger: opts.logger ?? silentLogger,
    backoff: { initialMs: 1000, maxMs: 4000 }, healthyAfterMs: 60_000, terminalExitCode: opts.terminalExitCode,
  });
  const controller = new AbortController();
  const running = child.run(controller.signal);
  return { clock, child, pidFile, controller, running };
}

describe('SupervisedChild (berth server keeps the API and the router running)', () => {
  it('does not restart a child that exits with the terminal code (a taken port): run() ends with that exit', async () => {
    const procs = new FakeProcesses();
    const { clock, running } = supervise(procs, { terminalExitCode: 78 });
    await flush();
    procs.started[0]!.exit({ code: 78 });
    await flush();
    for (let n = 0; n < 10; n++) await clock.advance(5000);
    expect(procs.started).toHaveLength(1);
    await expect(running).resolves.toEqual({ code: 78, signal: null });
  });

  it('restarts a child that exits unexpectedly, after growing and capped delays, and logs why', async () => {
    const procs = new FakeProcesses();
    const errors: Array<Record<string, unknown> | undefined> = [];
    const { clock, pidFile } = supervise(procs, { logger: { ...silentLogger, error: (_e, f) => void errors.push(f) } });
    await flush();
    expect(procs.started).toHaveLength(1);
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      procs.started.at(-1)!.exit({ code: null, signal: 'SIGKILL' });
      await flush();
      const before = procs.started.length;
      let waited = 0;
      while (procs.started.length === before) {
        await clock.advance(500);
        waited += 500;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    expect(errors[0]).toMatchObject({ role: 'api', signal: 'SIGKILL', restartInMs: 1000 });
    expect(pidFile).toEqual(procs.started.map((p) => p.pid)); // the pid file names each new process
  });

  it('after a long healthy run, restarts with the shortest delay again', async () => {
    const procs = new FakeProcesses();
    const { clock } = supervise(procs);
    await flush();
    procs.started[0]!.exit();
    await flush();
    await clock.advance(1000);
    expect(procs.started).toHaveLength(2);
    await clock.advance(120_000); // ran two minutes: healthy
    procs.started[1]!.exit();
    await flush();
    await clock.advance(1000); // not 2000: the count started afresh
    expect(procs.started).toHaveLength(3);
  });

  it('adopts a live process instead of starting a second one', async () => {
    const procs = new FakeProcesses();
    const leftover = new FakeProcesses().spawn();
    const { pidFile } = supervise(procs, { adopt: () => leftover });
    await flush();
    expect(procs.started).toHaveLength(0);
    expect(pidFile).toEqual([leftover.pid]);
  });

  it('on stop: SIGTERM, SIGKILL after the grace period, and no restart', async () => {
    const procs = new FakeProcesses();
    procs.stubborn = true;
    const { clock, child, controller, running } = supervise(procs);
    await flush();
    controller.abort();
    const stopped = child.stop(15_000);
    await clock.advance(14_000);
    expect(procs.started[0]!.signals).toEqual(['SIGTERM']);
    await clock.advance(1_000);
    await stopped;
    await running;
    expect(procs.started[0]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
    await clock.advance(60_000);
    expect(procs.started).toHaveLength(1);
  });
});
