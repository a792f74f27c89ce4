// When to restart a crashed instance: the first restart is immediate, then the wait doubles
// from 1 s up to a 5 min cap. A new release starts a fresh count (slots are keyed by release),
// and so does a long healthy run.

export interface BackoffPolicy {
  /** Delay before restart number `crashes` (1 = after the first crash). */
  delayAfter(crashes: number): number;
  /** Up this long and the crash count is forgotten. */
  readonly healthyResetMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  delayAfter: (crashes) => (crashes <= 1 ? 0 : Math.min(1000 * 2 ** (crashes - 2), 300_000)),
  healthyResetMs: 10 * 60_000,
};

interface CrashRecord {
  count: number;
  nextStartAt: number;
}

/**
 * Crash counts per instance slot (`app/release/web.1`), for the backoff; and, as the one count of
 * restarts a metric reads, every crash of a dyno (`app/web.1`) since this server started, which
 * neither a new release nor a healthy run resets.
 */
export class CrashTracker {
  private readonly records = new Map<string, CrashRecord>();
  private readonly restarts = new Map<string, number>();

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** Records a crash and returns when the slot may start again. */
  crashed(slot: string, now: number): number {
    const count = (this.records.get(slot)?.count ?? 0) + 1;
    const nextStartAt = now + this.policy.delayAfter(count);
    this.records.set(slot, { count, nextStartAt });
    const dyno = dynoOfSlot(slot);
    this.restarts.set(dyno, (this.restarts.get(dyno) ?? 0) + 1);
    return nextStartAt;
  }

  /** When the slot may start again; undefined when it has no crash on record. */
  nextStartAt(slot: string): number | undefined {
    return this.records.get(slot)?.nextStartAt;
  }

  crashes(slot: string): number {
    return this.records.get(slot)?.count ?? 0;
  }

  /** An instance has been up since `upSince`: after a long healthy run its slot starts afresh. */
  healthy(slot: string, upSince: number, now: number): void {
    if (now - upSince >= this.policy.healthyResetMs) this.records.delete(slot);
  }

  /** Crash restarts of a dyno (`web.1`) of an app since this server started, across releases. */
  restartsOf(appId: string, dyno: string): number {
    return this.restarts.get(`${appId}/${dyno}`) ?? 0;
  }

  forget(prefix: string): void {
    for (const key of this.records.keys()) if (key.startsWith(prefix)) this.records.delete(key);
    for (const key of this.restarts.keys()) if (key.startsWith(prefix)) this.restarts.delete(key);
  }
}

/** `app/release/web.1` → `app/web.1`. */
const dynoOfSlot = (slot: string): string => `${slot.slice(0, slot.indexOf('/'))}/${slot.slice(slot.lastIndexOf('/') + 1)}`;
