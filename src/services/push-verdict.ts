// Did a pushed build go live? Read from the stored rollout of its release (written by the release
// owner and the health manager), never from dynos or the build's text: only `live` accepts the push.
// A release superseded before it went live still accepts when its successor runs the same slug (a
// config change or an add-on made during the rollout) and that one went live: the pushed code runs.
import { ROLLOUT_FINAL, type App, type Release } from '../domain/types.js';
import { waitForRollout, type RolloutWaitDeps } from './rollout-wait.js';

export type PushVerdict = { ok: true; version: number } | { ok: false; reason: string };

export async function pushVerdict(deps: RolloutWaitDeps, app: App, buildId: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<PushVerdict> {
  const build = await deps.store.builds.byId(app.id, buildId);
  const made = build?.releaseId ? await deps.store.releases.byId(app.id, build.releaseId) : undefined;
  if (!build || !made || build.status === 'failed') {
    if (made?.rollout.state === 'failed') return { ok: false, reason: `release v${made.version} failed: ${made.rollout.reason ?? 'no reason given'}; the previous release keeps serving.` };
    return { ok: false, reason: 'the build failed; the previous release keeps serving.' };
  }
  const deadline = deps.clock.now() + o.timeoutMs;
  const left = () => Math.max(0, deadline - deps.clock.now());
  const release = await waitForRollout(deps, app.id, made.id, { timeoutMs: left(), signal: o.signal });
  if (!release) return { ok: false, reason: 'the app was destroyed during the deploy.' };
  const verdict = judge(app, release);
  if (verdict || release.rollout.state !== 'superseded') return verdict ?? stillRollingOut(app, release);
  const successor = await deps.store.releases.current(app.id);
  if (!successor || successor.slugId !== release.slugId) {
    return { ok: false, reason: `release v${release.version} was superseded by ${successor ? `v${successor.version}` : 'another release'} (a different build) before it went live.` };
  }
  const settled = await waitForRollout(deps, app.id, successor.id, { timeoutMs: left(), signal: o.signal });
  if (!settled) return { ok: false, reason: 'the app was destroyed during the deploy.' };
  if (settled.rollout.state === 'live') return { ok: true, version: settled.version };
  return judge(app, settled) ?? stillRollingOut(app, settled);
}

/** The verdict of a release whose rollout ended live or failed; undefined otherwise. */
function judge(app: App, release: Release): PushVerdict | undefined {
  if (release.rollout.state === 'live') return { ok: true, version: release.version };
  if (release.rollout.state === 'failed') {
    return { ok: false, reason: `release v${release.version} failed: ${release.rollout.reason ?? 'no reason given'}; see \`berth logs -a ${app.name}\`.` };
  }
  return undefined;
}

function stillRollingOut(app: App, release: Release): PushVerdict {
  if (ROLLOUT_FINAL.includes(release.rollout.state)) return { ok: false, reason: `release v${release.version} was ${release.rollout.state}.` };
  return { ok: false, reason: `release v${release.version} is still rolling out (${release.rollout.state}); follow it with \`berth releases:info v${release.version} -a ${app.name}\`.` };
}
