// When each app.json healthcheck of one instance is due, and what its attempts add up to. Time is the
// reconciler's clock (`now`), so the schedule is tested with a FakeClock; the attempt itself is the
// probe's business. A gate (startup, readiness) passes once every check has passed once, and fails as
// soon as one check used up its attempts; a watch (liveness) goes on for the instance's life and fails
// when one check fails `attempts` times in a row.
import type { Healthcheck } from '../domain/healthchecks.js';

export type CheckOutcome = { ok: true } | { ok: false; problem: string };

export type CheckStep =
  | { state: 'passed' }
  | { state: 'waiting'; wakeInMs: number }
  | { state: 'failed'; check: Healthcheck; problem: string; failures: number };

/** A failed attempt that leaves the check more tries, for the app log. */
export type AttemptFailed = (check: Healthcheck, problem: string, failures: number, retryInMs: number) => void;

interface Track {
  check: Healthcheck;
  nextAt: number;
  failures: number;
  passed: boolean;
}

/** No check is tried more than once a second, even with `wait: 0`: a liveness watch must not spin. */
const MIN_INTERVAL_MS = 1000;

export class CheckSchedule {
  private readonly tracks: Track[];

  /**
   * `startedAt`: when the instance started (`initialDelay` and `uptime` count from it); `readyAt`:
   * when the first attempt may be made at the earliest (web: once $PORT accepts connections).
   */
  constructor(checks: readonly Healthcheck[], startedAt: number, readyAt: number, private readonly mode: 'gate' | 'watch') {
    this.tracks = checks.map((check) => ({
      check, failures: 0, passed: false,
      nextAt: Math.max(readyAt, startedAt + (check.initialDelay + (check.uptime ?? 0)) * 1000),
    }));
  }

  get empty(): boolean {
    return this.tracks.length === 0;
  }

  /** Makes every attempt that is due (one per check), then says where the checks stand. */
  async step(now: number, attempt: (check: Healthcheck) => Promise<CheckOutcome>, onFailed?: AttemptFailed): Promise<CheckStep> {
    for (const t of this.tracks) {
      if (t.passed || t.nextAt > now) continue;
      const outcome = await attempt(t.check);
      const interval = Math.max(MIN_INTERVAL_MS, t.check.wait * 1000);
      if (outcome.ok) {
        t.failures = 0;
        if (this.mode === 'gate') t.passed = true;
        else t.nextAt = now + interval;
        continue;
      }
      t.failures += 1;
      if (t.failures >= t.check.attempts) return { state: 'failed', check: t.check, problem: outcome.problem, failures: t.failures };
      t.nextAt = now + interval;
      onFailed?.(t.check, outcome.problem, t.failures, interval);
    }
    // A gate's passed checks are done; a watch's never are (so it only "passes" with no checks at all).
    const open = this.tracks.filter((t) => !t.passed);
    if (open.length === 0) return { state: 'passed' };
    return { state: 'waiting', wakeInMs: Math.max(0, Math.min(...open.map((t) => t.nextAt)) - now) };
  }
}
