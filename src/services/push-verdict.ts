// Did a pushed build go live? Read from state, not from the build's text: the build succeeded,
// its release is current, and as many of that release's web instances as the formation asks for are up.
import type { App } from '../domain/types.js';
import type { ServiceDeps } from './service-deps.js';

export type PushVerdict = { ok: true; version: number } | { ok: false; reason: string };

export async function pushVerdict(deps: Pick<ServiceDeps, 'store' | 'dynos'>, app: App, buildId: string): Promise<PushVerdict> {
  const build = await deps.store.builds.byId(app.id, buildId);
  const release = build?.releaseId ? await deps.store.releases.byId(app.id, build.releaseId) : undefined;
  if (release?.status === 'failed') {
    return { ok: false, reason: `the release command of v${release.version} failed; the previous release keeps serving.` };
  }
  if (!build || build.status !== 'succeeded' || !release || release.status !== 'succeeded') {
    return { ok: false, reason: 'the build failed; the previous release keeps serving.' };
  }
  const web = await deps.store.formation.get(app.id, 'web');
  if (!deps.dynos || !web || web.quantity === 0) return { ok: true, version: release.version };
  const up = (await deps.dynos.list(app.id)).filter((d) => d.type === 'web' && d.releaseVersion === release.version && d.state === 'up');
  if (up.length < web.quantity) {
    return { ok: false, reason: `release v${release.version} is out, but its web dynos did not come up; see \`berth logs -a ${app.name}\`.` };
  }
  return { ok: true, version: release.version };
}
