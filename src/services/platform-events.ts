// The event bus: services announce that desired state changed; the health manager and the
// router listen and re-read the store. Events only wake listeners up — they never carry the work.
import type { RolloutState } from '../domain/types.js';

export type PlatformEvent =
  | { type: 'app-changed'; appId: string; reason: string }
  /** A release's stored rollout moved (written by its owner first; waiters re-read the store). */
  | { type: 'rollout-changed'; appId: string; releaseId: string; state: RolloutState }
  /** `built`: where its builds' output was, as the store recorded it (slug locations), read before it was deleted. */
  | { type: 'app-destroyed'; appId: string; appName: string; built: string[] }
  /** A log drain was added to or removed from the app (its deliveries re-read the store). */
  | { type: 'log-drains-changed'; appId: string }
  /** The app's domains, certificates or edge features changed (the router's view is re-read). */
  | { type: 'edge-changed'; appId: string }
  /** An operator drained, activated or removed a node (the fleet balancer looks again at once). */
  | { type: 'nodes-changed'; node: string }
  // Facts as their owners record them, for listeners that tell the outside world (app webhooks).
  // Each is emitted after its write committed; listeners re-read the record by id.
  /** A build was created, or its status moved (deploy-pipeline.ts). */
  | { type: 'build-changed'; appId: string; buildId: string; action: 'create' | 'update' }
  /** A release was recorded, or its status moved: made current, failed (release-owner.ts, deploy-pipeline.ts). */
  | { type: 'release-changed'; appId: string; releaseId: string; action: 'create' | 'update' }
  /** A user changed the formation; `before` is each changed type's quantity and size before (formation.ts). */
  | { type: 'formation-changed'; appId: string; actorId: string; types: string[]; before: Record<string, { quantity: number; size: string }> }
  /** An instance changed state, as the reconciler decided it (health/reconciler.ts, the one owner of dyno states). */
  | { type: 'dyno-changed'; appId: string; dyno: DynoChange };

/** One instance's state change: what it is, and why it moved. */
export interface DynoChange {
  id: string;
  /** `web.1` */
  name: string;
  type: string;
  releaseId: string;
  releaseVersion: number;
  size: string | null;
  state: 'starting' | 'up' | 'crashed' | 'down';
  previousState: 'starting' | 'up' | null;
  /** The process's exit status when it exited on its own; null otherwise. */
  exitStatus: number | null;
  /** Why it crashed or went down: its process exited, R10 (no bind to $PORT in time), a failed healthcheck, its node was lost, or it was stopped on purpose (replaced by a new release or a resize, scaled down, moved). */
  reason: 'exited' | 'boot-timeout' | 'healthcheck' | 'node-lost' | 'stopped' | null;
}

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
