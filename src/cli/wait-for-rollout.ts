// After a deploy: wait, reading the API, until the build has ended and then until its release's stored
// rollout has ended (live, failed, superseded). The server works the verdict out (the health manager
// writes it); the CLI only reads it, never dyno states or log text.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError } from '../client/api-error.js';
import type { Build, Release } from '../client/api-types.js';

export interface RolloutApi {
  getBuild(app: string, id: string): Promise<Build>;
  getRelease(app: string, idOrVersion: string | number): Promise<Release>;
  listReleases(app: string, opts?: { max?: number }): Promise<Release[]>;
}

export interface WaitOptions {
  /** Absolute time (as `now()` counts) after which waiting stops. */
  deadline: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

export type RolloutOutcome =
  | { state: 'live'; release: Release }
  | { state: 'failed'; release: Release; reason: string }
  | { state: 'superseded'; release: Release; reason: string }
  | { state: 'timeout'; release: Release };

/** The build once it is no longer pending, or undefined at the deadline. A server restarting meanwhile is waited for. */
export async function waitForBuildEnd(api: RolloutApi, app: string, id: string, o: WaitOptions): Promise<Build | undefined> {
  return poll(o, async () => {
    const build = await api.getBuild(app, id);
    return build.status === 'pending' ? undefined : build;
  });
}

/**
 * Follows the release's rollout to its end. A release superseded by one of the same slug (a config
 * change made during the rollout) is followed on to that one, since the deployed code is what runs.
 */
export async function waitForRolloutEnd(api: RolloutApi, app: string, releaseId: string, o: WaitOptions): Promise<RolloutOutcome> {
  let following = releaseId;
  let last = await api.getRelease(app, following);
  for (;;) {
    const ended = await poll(o, async () => {
      last = await api.getRelease(app, following);
      return ROLLOUT_ENDED.includes(stateOf(last)) ? last : undefined;
    });
    if (!ended) return { state: 'timeout', release: last };
    const state = stateOf(ended);
    if (state === 'live') return { state, release: ended };
    const reason = ended.rollout?.reason ?? ended.status_reason ?? `release v${ended.version} ${state}`;
    if (state === 'failed') return { state, release: ended, reason };
    const successor = (await api.listReleases(app, { max: 10 })).find((r) => r.current);
    if (!successor || successor.id === ended.id || !ended.slug || successor.slug?.id !== ended.slug.id) return { state: 'superseded', release: ended, reason };
    following = successor.id;
  }
}

const ROLLOUT_ENDED = ['live', 'failed', 'superseded'];

/** A server without stored rollouts (another Heroku-compatible one) still says succeeded or failed. */
function stateOf(r: Release): string {
  if (r.rollout) return r.rollout.state;
  return r.status === 'succeeded' ? 'live' : r.status;
}

async function poll<T>(o: WaitOptions, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const now = o.now ?? Date.now;
  const pause = o.sleep ?? sleep;
  for (;;) {
    try {
      const found = await probe();
      if (found !== undefined) return found;
    } catch (e) {
      // The server restarting (or a blip) is worth waiting out until the deadline; anything else is an answer.
      if (!(e instanceof ConnectionError)) throw e;
    }
    if (now() >= o.deadline) return undefined;
    await pause(Math.min(o.intervalMs ?? 1000, Math.max(0, o.deadline - now())));
  }
}
