// Did a pushed build go live? Read from the stored rollout of its release (written by the release
// owner and the health manager), never from dynos or the build's text: only `live` accepts the push.
// A release superseded before it went live still accepts when its successor runs the same slug (a
// config change or an add-on made during the rollout) and that one went live: the pushed code runs.
import { ROLLOUT_FINAL, type App, type Release } from '../domain/types.js';
import { waitForRollout, type RolloutWaitDeps } from './rollout-wait.js';

/**
 * A refusal says `reason` in full, or only `outcome` when the build output the pusher just read
 * already gave the cause (the build's error, the release's stored reason): one reason line, then
 * the verdict, rather than the same failure several times over.
 */
export type PushVerdict = { ok: true; version: number } | { ok: false; reason: string; outcome: string; cause?: string };

/** The ` !     Push rejected: …` line, given the problem lines (` !`) the build output already showed. */
export function rejectionLine(verdict: Extract<PushVerdict, { ok: false }>, problemsSaid: readonly string[]): string {
  const explained = verdict.cause !== undefined
    ? problemsSaid.some((l) => l.includes(verdict.cause!))
    : problemsSaid.length > 0;
  return ` !     Push rejected: ${explained ? verdict.outcome : verdict.reason}`;
}

const refused = (reason: string, outcome = reason, cause?: string): PushVerdict => ({ ok: false, reason, outcome, cause });

export async function pushVerdict(deps: RolloutWaitDeps, app: App, buildId: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<PushVerdict> {
  const build = await deps.store.builds.byId(app.id, buildId);
  const made = build?.releaseId ? await deps.store.releases.byId(app.id, build.releaseId) : undefined;
  if (!build || !made || build.status === 'failed') {
    // The build output ends with why (the pipeline's line): only the outcome needs saying again.
    const after = await whatServes(deps, app);
    if (made?.rollout.state === 'failed') {
      return refused(`release v${made.version} failed: ${made.rollout.reason ?? 'no reason given'}; ${after}.`, `release v${made.version} failed; ${after}.`);
    }
    return refused(`the build failed; ${after}.`);
  }
  const deadline = deps.clock.now() + o.timeoutMs;
  const left = () => Math.max(0, deadline - deps.clock.now());
  const release = await waitForRollout(deps, app.id, made.id, { timeoutMs: left(), signal: o.signal });
  if (!release) return refused('the app was destroyed during the deploy.');
  const verdict = judge(app, release);
  if (verdict || release.rollout.state !== 'superseded') return verdict ?? stillRollingOut(app, release);
  const successor = await deps.store.releases.current(app.id);
  if (!successor || successor.slugId !== release.slugId) {
    return refused(`release v${release.version} was superseded by ${successor ? `v${successor.version}` : 'another release'} (a different build) before it went live.`);
  }
  const settled = await waitForRollout(deps, app.id, successor.id, { timeoutMs: left(), signal: o.signal });
  if (!settled) return refused('the app was destroyed during the deploy.');
  if (settled.rollout.state === 'live') return { ok: true, version: settled.version };
  return judge(app, settled) ?? stillRollingOut(app, settled);
}

/** What a failed deploy leaves running: the current release, if the app has one with code (a first deploy has none). */
async function whatServes(deps: RolloutWaitDeps, app: App): Promise<string> {
  const current = await deps.store.releases.current(app.id);
  return current?.slugId ? 'the previous release keeps serving' : 'nothing was deployed, the app has no release running yet';
}

/** The verdict of a release whose rollout ended live or failed; undefined otherwise. */
function judge(app: App, release: Release): PushVerdict | undefined {
  if (release.rollout.state === 'live') return { ok: true, version: release.version };
  if (release.rollout.state === 'failed') {
    const cause = release.rollout.reason ?? 'no reason given';
    return refused(`release v${release.version} failed: ${cause}; see \`berth logs -a ${app.name}\`.`, `release v${release.version} failed; see \`berth logs -a ${app.name}\`.`, cause);
  }
  return undefined;
}

function stillRollingOut(app: App, release: Release): PushVerdict {
  if (ROLLOUT_FINAL.includes(release.rollout.state)) return refused(`release v${release.version} was ${release.rollout.state}.`);
  return refused(`release v${release.version} is still rolling out (${release.rollout.state}); follow it with \`berth releases:info v${release.version} -a ${app.name}\`.`);
}
