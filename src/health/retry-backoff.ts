// When to try an app (or one of its slots) again after a "retry later" error (an engine that did not
// answer, a store that was busy): 1 s, then doubling up to a 60 s cap, per key; success resets it.
// The delays are the platform's RetryBackoff; this adds the key and when the next try may happen.
// Crashes of the app's own processes have their own, longer policy (crash-backoff.ts).
import { RetryBackoff, type RetryBackoffOptions } from '../platform/retry-backoff.js';

export const DEFAULT_RETRY: RetryBackoffOptions = { initialMs: 1000, maxMs: 60_000 };

export class KeyedRetryBackoff {
  private readonly records = new Map<string, { backoff: RetryBackoff; notBefore: number }>();

  constructor(private readonly options: RetryBackoffOptions = DEFAULT_RETRY) {}

  /** Records a failure and returns how long to wait before the next attempt. */
  failed(key: string, now: number): number {
    const record = this.records.get(key) ?? { backoff: new RetryBackoff(this.options), notBefore: now };
    const delay = record.backoff.next();
    record.notBefore = now + delay;
    this.records.set(key, record);
    return delay;
  }

  /** How long the key must still wait (0 when it may go ahead now). */
  waitFor(key: string, now: number): number {
    return Math.max(0, (this.records.get(key)?.notBefore ?? now) - now);
  }

  failures(key: string): number {
    return this.records.get(key)?.backoff.failures ?? 0;
  }

  reset(key: string): void {
    this.records.delete(key);
  }
}
