// A Clock for tests: time moves only when the test calls advance(), which also wakes due sleeps.
import type { Clock } from '../clock.js';

interface Sleeper { at: number; resolve: () => void }

/** Lets pending promise callbacks run, so what a resolved sleep or a stop triggers has happened. */
export const flush = async (): Promise<void> => {
  for (let n = 0; n < 5; n++) await new Promise((r) => setImmediate(r));
};

export class FakeClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private time = Date.parse('2024-01-01T00:00:00Z')) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.time + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** How many sleeps are waiting for time to move: a test can wait for work to reach its sleep. */
  pendingSleeps(): number {
    return this.sleepers.length;
  }

  /** Moves time forward, resolving each sleep at its own due time, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    // What is already due (a zero-delay wake-up, a promise chain under way) runs before time moves.
    await flush();
    for (;;) {
      const due = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.time = Math.max(this.time, due.at);
      due.resolve();
      await flush();
    }
    this.time = end;
    await flush();
  }
}
