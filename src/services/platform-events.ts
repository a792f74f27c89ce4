// The event bus: services announce that desired state changed; the health manager and the
// router listen and re-read the store. Events only wake listeners up — they never carry the work.
import type { RolloutState } from '../domain/types.js';

export type PlatformEvent =
  | { type: 'app-changed'; appId: string; reason: string }
  /** A release's stored rollout moved (written by its owner first; waiters re-read the store). */
  | { type: 'rollout-changed'; appId: string; releaseId: string; state: RolloutState }
  | { type: 'app-destroyed'; appId: string; appName: string }
  /** The app's domains, certificates or edge features changed (the router's view is re-read). */
  | { type: 'edge-changed'; appId: string }
  /** An operator drained, activated or removed a node (the fleet balancer looks again at once). */
  | { type: 'nodes-changed'; node: string };

export type PlatformEventListener = (event: PlatformEvent) => void;

export class PlatformEvents {
  private readonly listeners = new Set<PlatformEventListener>();

  on(listener: PlatformEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: PlatformEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not stop the others or the service that emitted.
      }
    }
  }
}
