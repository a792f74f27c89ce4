// Waiting for a release's rollout to end (live, failed, superseded), for whoever reports it: the deploy
// pipeline, git push, the API. The rollout is stored state written by its owners; this only re-reads it
// when a `rollout-changed` event says it moved (or every few seconds, in case an event was missed).
import { ROLLOUT_FINAL, type Release } from '../domain/types.js';
import type { ServiceDeps } from './service-deps.js';

const RECHECK_MS = 2000;

export type RolloutWaitDeps = Pick<ServiceDeps, 'store' | 'events' | 'clock'>;

/**
 * The release once its rollout has ended, or as it stands when `timeoutMs` runs out or `signal` aborts
 * (check `rollout.state` against ROLLOUT_FINAL). Undefined if the release no longer exists (app destroyed).
 */
export async function waitForRollout(deps: RolloutWaitDeps, appId: string, releaseId: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<Release | undefined> {
  const deadline = deps.clock.now() + o.timeoutMs;
  let moved: (() => void) | undefined;
  const off = deps.events.on((e) => {
    if ((e.type === 'rollout-changed' || e.type === 'app-destroyed') && e.appId === appId) moved?.();
  });
  try {
    for (;;) {
      const release = await deps.store.releases.byId(appId, releaseId);
      if (!release || ROLLOUT_FINAL.includes(release.rollout.state)) return release;
      const left = deadline - deps.clock.now();
      if (left <= 0 || o.signal?.aborted) return release;
      const stop = new AbortController();
      const abort = () => stop.abort();
      o.signal?.addEventListener('abort', abort, { once: true });
      await Promise.race([
        new Promise<void>((resolve) => { moved = resolve; }),
        deps.clock.sleep(Math.min(left, RECHECK_MS), stop.signal).catch(() => undefined),
      ]);
      moved = undefined;
      stop.abort();
      o.signal?.removeEventListener('abort', abort);
    }
  } finally {
    off();
  }
}
