// When to try an app again after a "retry later" error (an engine that did not answer, a store
// that was busy): 1 s, then doubling up to a 60 s cap, per app; a pass that succeeds resets it.
// Crashes of the app's own processes have their own, longer policy (crash-backoff.ts).

export interface RetryPolicy {
  /** Delay after failure number `failures` (1 = the first). */
  delayAfter(failures: number): number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  delayAfter: (failures) => Math.min(1000 * 2 ** (failures - 1), 60_000),
};

interface RetryRecord {
  failures: number;
  notBefore: number;
}

export class RetryBackoff {
  private readonly records = new Map<string, RetryRecord>();

  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY) {}

  /** Records a failure and returns how long to wait before the next attempt. */
  failed(key: string, now: number): number {
    const failures = (this.records.get(key)?.failures ?? 0) + 1;
    const delay = this.policy.delayAfter(failures);
    this.records.set(key, { failures, notBefore: now + delay });
    return delay;
  }

  /** How long the key must still wait (0 when it may go ahead now). */
  waitFor(key: string, now: number): number {
    return Math.max(0, (this.records.get(key)?.notBefore ?? now) - now);
  }

  failures(key: string): number {
    return this.records.get(key)?.failures ?? 0;
  }

  reset(key: string): void {
    this.records.delete(key);
  }
}
