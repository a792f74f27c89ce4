// Decides and writes the verdict on the current release's rollout (live, or failed with a reason),
// the one fact the deploy pipeline, git push and the CLI wait on: stored first, then announced, then logged.
import type { Release } from '../domain/types.js';
import type { DesiredSlot } from './desired-state.js';
import type { LogSink } from '../logs/log-sink.js';
import type { Logger } from '../platform/logger.js';
import type { PlatformEvent } from '../services/platform-events.js';
import type { Store } from '../store/store.js';

export interface RolloutRecorderDeps {
  store: Store;
  events: { emit(event: PlatformEvent): void };
  appLog: LogSink;
  logger: Logger;
}

export class RolloutRecorder {
  constructor(private readonly deps: RolloutRecorderDeps) {}

  /**
   * After a reconcile pass over a releasing release: failed as soon as one of its instances crashed
   * before it came up, hit R10 or could not be started (`failures`, first one wins); live once every
   * slot's instance is up and routed. A release with nothing to run is live at once.
   */
  async judge(release: Release | undefined, slots: DesiredSlot[], failures: string[], isUp: (slot: DesiredSlot) => boolean): Promise<void> {
    if (!release || release.rollout.state !== 'releasing') return;
    if (failures.length > 0) return this.record(release, 'failed', failures[0]);
    if (slots.every(isUp)) await this.record(release, 'live');
  }

  /** Records the verdict if the rollout is still open; a release whose rollout ended keeps its verdict. */
  async record(release: Release, state: 'live' | 'failed', reason: string | null = null): Promise<void> {
    const written = await this.deps.store.releases.setRollout(release.id, state, reason);
    if (!written) return;
    this.deps.events.emit({ type: 'rollout-changed', appId: release.appId, releaseId: release.id, state });
    const line = state === 'live' ? `Release v${release.version} is live` : `Release v${release.version} failed: ${reason}`;
    this.deps.appLog.write(release.appId, 'berth', 'api', line);
    this.deps.logger.info(`rollout-${state}`, { app: release.appId, release: release.version, reason });
  }
}
