// At start, before the API listens: work a dead server left half done is given its ending. A build
// that was running is `failed` (its output says why); a release still `pending` (its release command
// was running, or it was never made current) is `failed`. Nobody would ever finish them, and anyone
// waiting (`berth deploy`, a dashboard) would wait forever. Releases already current (`releasing`)
// are left to the health manager, which adopts their instances and writes their verdict. Each
// ending is announced as the pipeline and the release owner announce theirs (build-changed,
// release-changed), so app webhooks hear of it too.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildOutputs } from '../logs/build-output.js';
import type { ServiceDeps } from './service-deps.js';

export const INTERRUPTED = 'interrupted by a server restart';

export interface InterruptedWorkDeps extends Pick<ServiceDeps, 'store' | 'events' | 'logger'> {
  outputs: Pick<BuildOutputs, 'appendFinished'>;
  /** Where builds keep their work directories (`<build id>-*`), removed for interrupted builds. */
  buildsDir: string;
}

export async function endInterruptedWork(deps: InterruptedWorkDeps): Promise<{ builds: number; releases: number }> {
  const { store, events, logger } = deps;
  // Releases first: a build's final line can then say what became of its release.
  const releases = await store.releases.withRollout(['pending']);
  for (const r of releases) {
    const failed = await store.releases.setRollout(r.id, 'failed', INTERRUPTED);
    if (!failed) continue;
    events.emit({ type: 'rollout-changed', appId: r.appId, releaseId: r.id, state: 'failed' });
    events.emit({ type: 'release-changed', appId: r.appId, releaseId: r.id, action: 'update' });
  }
  const builds = await store.builds.withStatus('pending');
  const leftovers = await readdir(deps.buildsDir).catch(() => [] as string[]);
  for (const b of builds) {
    const release = b.releaseId ? await store.releases.byId(b.appId, b.releaseId) : undefined;
    // Made current before the crash: the build did its job, and the rollout goes on after the restart.
    const released = release !== undefined && release.currentAt !== null;
    await store.builds.update(b.id, { status: released ? 'succeeded' : 'failed' });
    events.emit({ type: 'build-changed', appId: b.appId, buildId: b.id, action: 'update' });
    // What failed (the build, or the release it made) and what is left serving (nothing, on a first deploy).
    const current = released ? undefined : await store.releases.current(b.appId);
    const after = current?.slugId ? 'the previous release keeps serving' : 'nothing was deployed, the app has no release running yet';
    const lines = released
      ? [`-----> The server restarted after release v${release.version} was made; its rollout goes on (see \`berth releases:info v${release.version}\`).`]
      : [` !     Build ${INTERRUPTED}.`, ` !     ${release ? `Release v${release.version}` : 'Build'} failed; ${after}. Deploy again.`];
    await deps.outputs.appendFinished(b.id, lines).catch((e: Error) => logger.warn('build-output-not-ended', { build: b.id, error: e.message }));
    for (const name of leftovers.filter((n) => n.startsWith(`${b.id}-`))) {
      await rm(join(deps.buildsDir, name), { recursive: true, force: true }).catch((e: Error) => logger.warn('build-dir-remains', { build: b.id, error: e.message }));
    }
  }
  // A build cut off by the restart is not charged: its metered interval ends where it started (the
  // platform failed it; it did not run to an end anyone can bill for).
  for (const open of await store.usage.openIntervals('build')) await store.usage.close('build', open.id, open.startedAt);
  if (builds.length + releases.length > 0) logger.warn('interrupted-work-ended', { builds: builds.length, releases: releases.length });
  return { builds: builds.length, releases: releases.length };
}
