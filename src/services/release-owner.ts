// The one owner of each app's releases. Every action that makes a release (deploy, config vars,
// rollback, add-on attach/detach/URL refresh, later promotions) takes the app's turn here, so each
// applies on top of what is current when its turn comes and none can overwrite another's release.
import { BerthError } from '../domain/errors.js';
import type { App, ConfigVars, Release, Slug, User } from '../domain/types.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Repos, Store } from '../store/store.js';
import type { PlatformEvents } from './platform-events.js';
import { KeyedQueue } from './work-limits.js';
import { auditEntry } from './audit-entry.js';

/** Heroku's release phase may run for an hour; so may ours (BERTH_RELEASE_TIMEOUT). */
export const DEFAULT_RELEASE_TIMEOUT_MS = 3600 * 1000;
/** After the deadline the command is stopped; a runtime that does not answer by then no longer holds the turn. */
const STOP_GRACE_MS = 30_000;

export interface ReleaseOwnerDeps {
  store: Store;
  clock: Clock;
  events: PlatformEvents;
  logger: Logger;
  /** How long a deploy's release command may run before it is stopped and the release fails. */
  releaseTimeoutMs: number;
}

/** A release to record: the slug (undefined = the current release's) with this config. */
export interface ReleaseInput {
  description: string;
  config: ConfigVars;
  slugId?: string | null;
}

export interface DeployRelease {
  description: string;
  slug: Slug;
  /** Extra writes in the transaction that records the pending release (the build's link to it). */
  recorded?(tx: Repos, release: Release): Promise<void>;
  /**
   * Runs the release command (when the slug has one) and resolves to its exit code. The deadline
   * aborts `signal`, which must stop the command.
   */
  releasePhase?(release: Release, signal: AbortSignal): Promise<number>;
  /** Extra writes in the transaction that makes the release current (first-deploy formation). */
  madeCurrent?(tx: Repos, release: Release): Promise<void>;
}

export class ReleaseOwner {
  private readonly turns = new KeyedQueue();
  private readonly queued = new Map<string, number>();

  constructor(private readonly deps: ReleaseOwnerDeps) {}

  /** How many actions hold or wait for the app's turn now. */
  inLine(appId: string): number {
    return this.queued.get(appId) ?? 0;
  }

  private inTurn<T>(appId: string, fn: () => Promise<T>): Promise<T> {
    this.queued.set(appId, this.inLine(appId) + 1);
    return this.turns.run(appId, fn).finally(() => {
      const left = this.inLine(appId) - 1;
      if (left > 0) this.queued.set(appId, left);
      else this.queued.delete(appId);
    });
  }

  /**
   * A change that makes a release at once: `plan` runs in the app's turn, in one transaction with the
   * release it asks for, so it reads what is current after every earlier action. It asks for none
   * (`release` undefined) when nothing changed. Resolves once the release is recorded.
   */
  async change<T>(app: App, actor: User, reason: string, plan: (tx: Repos) => Promise<{ release?: ReleaseInput; result: T }>): Promise<{ release?: Release; result: T }> {
    return this.inTurn(app.id, async () => {
      const { store } = this.deps;
      const outcome = await store.transaction(async (tx) => {
        const { release: input, result } = await plan(tx);
        if (!input) return { result, moved: undefined };
        const previous = await tx.releases.current(app.id);
        const release = await recordRelease(tx, app, actor, { ...input, current: true });
        return { result, moved: { release, previous } };
      });
      if (!outcome.moved) return { result: outcome.result };
      this.deps.events.emit({ type: 'release-changed', appId: app.id, releaseId: outcome.moved.release.id, action: 'create' });
      await this.announceCurrent(app, outcome.moved.release, outcome.moved.previous, reason);
      return { release: outcome.moved.release, result: outcome.result };
    });
  }

  /**
   * A deploy holds the app's turn from recording its pending release (with the config of that moment)
   * until the release is current or failed: what arrives meanwhile waits, then lands on top of it.
   * Throws `build_failed` when the release command fails, times out or cannot run; the release is
   * then failed with the reason and the previous release stays current.
   */
  async deploy(app: App, actor: User, d: DeployRelease): Promise<Release> {
    return this.inTurn(app.id, async () => {
      const { store } = this.deps;
      const pending = await store.transaction(async (tx) => {
        const release = await recordRelease(tx, app, actor, { description: d.description, config: await tx.config.get(app.id), slugId: d.slug.id, current: false });
        await d.recorded?.(tx, release);
        return release;
      });
      this.deps.events.emit({ type: 'release-changed', appId: app.id, releaseId: pending.id, action: 'create' });
      if (d.releasePhase) await this.runReleasePhase(app, pending, d.releasePhase);
      const previous = await store.transaction(async (tx) => {
        const replaced = await tx.releases.current(app.id);
        await tx.releases.makeCurrent(app.id, pending.id);
        await d.madeCurrent?.(tx, pending);
        return replaced;
      }).catch(async (e: unknown) => {
        // Never left pending: a release that could not become current has failed, and says so.
        await this.fail(app, pending, 'the release could not be made current').catch(() => undefined);
        throw e;
      });
      const current = (await store.releases.byId(app.id, pending.id))!;
      this.deps.events.emit({ type: 'release-changed', appId: app.id, releaseId: current.id, action: 'update' });
      await this.announceCurrent(app, current, previous, 'deploy');
      return current;
    });
  }

  /** Runs the release command under the deadline; on any failure the release is failed before this throws. */
  private async runReleasePhase(app: App, release: Release, phase: NonNullable<DeployRelease['releasePhase']>): Promise<void> {
    const { clock, releaseTimeoutMs } = this.deps;
    const seconds = Math.round(releaseTimeoutMs / 1000);
    const stop = new AbortController();
    const deadline = new AbortController();
    const running = phase(release, stop.signal).then((code) => ({ code }), (error: unknown) => ({ error }));
    const expired = clock.sleep(releaseTimeoutMs, deadline.signal).then(() => ({ timedOut: true as const }), () => new Promise<never>(() => undefined));
    const outcome = await Promise.race([running, expired]);
    deadline.abort();
    if ('timedOut' in outcome) {
      stop.abort(new Error(`release command timed out after ${seconds} s`));
      await this.waitForStop(running);
      await this.fail(app, release, `release command timed out after ${seconds} s`);
      throw new BerthError('build_failed', `Release command timed out after ${seconds} s; release v${release.version} was not deployed.`, 'release');
    }
    if ('error' in outcome) {
      const why = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      this.deps.logger.error('release-command-could-not-run', { app: app.id, release: release.id, error: why });
      await this.fail(app, release, 'the release command could not run');
      throw new BerthError('build_failed', `Release command could not run; release v${release.version} was not deployed.`, 'release');
    }
    if (outcome.code !== 0) {
      await this.fail(app, release, `the release command failed with exit code ${outcome.code}`);
      throw new BerthError('build_failed', `Release command failed with exit code ${outcome.code}; release v${release.version} was not deployed.`, 'release');
    }
  }

  /** The stopped command usually ends at once; a runtime that never answers no longer holds the app's turn after the grace. */
  private async waitForStop(running: Promise<unknown>): Promise<void> {
    const grace = new AbortController();
    const gone = await Promise.race([running.then(() => true), this.deps.clock.sleep(STOP_GRACE_MS, grace.signal).then(() => false, () => true)]);
    grace.abort();
    if (!gone) this.deps.logger.warn('release-command-not-stopped', { graceMs: STOP_GRACE_MS });
  }

  private async fail(app: App, release: Release, reason: string): Promise<void> {
    const failed = await this.deps.store.releases.setRollout(release.id, 'failed', reason);
    if (failed) {
      this.deps.events.emit({ type: 'rollout-changed', appId: app.id, releaseId: release.id, state: 'failed' });
      this.deps.events.emit({ type: 'release-changed', appId: app.id, releaseId: release.id, action: 'update' });
    }
  }

  /** Tells listeners the pointer moved: the new release is rolling out, the one it replaced may be superseded. */
  private async announceCurrent(app: App, release: Release, previous: Release | undefined, reason: string): Promise<void> {
    const { store, events, logger } = this.deps;
    // The release is recorded: a failed read here must not turn the caller's answer into an error.
    const after = previous && await store.releases.byId(app.id, previous.id).catch((e: Error) => {
      logger.warn('rollout-read-failed', { app: app.id, release: previous.id, error: e.message });
      return undefined;
    });
    if (after && after.rollout.state !== previous!.rollout.state) {
      events.emit({ type: 'rollout-changed', appId: app.id, releaseId: after.id, state: after.rollout.state });
    }
    events.emit({ type: 'rollout-changed', appId: app.id, releaseId: release.id, state: release.rollout.state });
    events.emit({ type: 'app-changed', appId: app.id, reason });
  }
}

/**
 * Records a new release inside the caller's transaction; only the owner calls it, in the app's turn.
 * The app's released_at moves with it.
 */
async function recordRelease(tx: Repos, app: App, actor: User, input: ReleaseInput & { current: boolean }): Promise<Release> {
  const slugId = input.slugId !== undefined ? input.slugId : ((await tx.releases.current(app.id))?.slugId ?? null);
  const release = await tx.releases.create({
    appId: app.id, description: input.description, current: input.current, slugId, config: input.config, userId: actor.id,
  });
  await tx.apps.update(app.id, { releasedAt: release.createdAt });
  await tx.events.append(auditEntry(actor, app, 'release-created', { version: release.version, description: release.description }));
  return release;
}
