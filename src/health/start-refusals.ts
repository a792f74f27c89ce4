// Slots whose start the runtime refused (terminal): remembered with the formation entry they were
// refused under, so the start is not tried again until something changes — a new release (slot keys
// contain the release), a scale or resize of the type, a restart asked for by the user, or a change
// of the fleet's nodes (a join, a recovery, an activation: a start that fitted nowhere may fit now).
import type { DesiredSlot } from './desired-state.js';

interface Refusal {
  formationVersion: string;
  reason: string;
}

export class StartRefusals {
  private readonly refused = new Map<string, Refusal>();

  refuse(slot: DesiredSlot, reason: string): void {
    this.refused.set(slot.key, { formationVersion: slot.formationVersion, reason });
  }

  /** Why the slot's start stays refused, or undefined when it may be tried (never refused, or changed since). */
  reasonFor(slot: DesiredSlot): string | undefined {
    const refusal = this.refused.get(slot.key);
    return refusal?.formationVersion === slot.formationVersion ? refusal.reason : undefined;
  }

  /** Forgets every refusal (the fleet's capacity changed: what fitted nowhere may fit now); returns the apps that had one. */
  forgetAll(): string[] {
    const apps = new Set([...this.refused.keys()].map((key) => key.slice(0, key.indexOf('/'))));
    this.refused.clear();
    return [...apps];
  }

  /** Forgets the app's refusals, all of them or those of slots no longer wanted. */
  forget(appId: string, keep: DesiredSlot[] = []): void {
    const wanted = new Set(keep.map((s) => s.key));
    for (const key of this.refused.keys()) if (key.startsWith(`${appId}/`) && !wanted.has(key)) this.refused.delete(key);
  }
}
