// Releases: every config change, deploy and rollback makes a new numbered, immutable release.
import { BerthError } from '../domain/errors.js';
import type { App, ConfigVars, Release, User } from '../domain/types.js';
import type { Repos } from '../store/store.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';

export async function listReleases(deps: ServiceDeps, actor: User, appRef: string): Promise<{ app: App; releases: Release[]; current?: Release }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, releases: await deps.store.releases.list(app.id), current: await deps.store.releases.current(app.id) };
}

/** Finds a release by id, by version number, or by `v12`. */
export async function findRelease(repos: Pick<Repos, 'releases'>, app: App, ref: unknown): Promise<Release> {
  const text = String(ref ?? '');
  const version = /^v?\d{1,9}$/.test(text) ? Number(text.replace(/^v/, '')) : undefined;
  const release = version !== undefined ? await repos.releases.byVersion(app.id, version) : await repos.releases.byId(app.id, text);
  if (!release) throw new BerthError('release_not_found', `Couldn't find release ${text} of ${app.name}.`, 'release');
  return release;
}

export async function getRelease(deps: ServiceDeps, actor: User, appRef: string, ref: string): Promise<{ app: App; release: Release; current?: Release }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, release: await findRelease(deps.store, app, ref), current: await deps.store.releases.current(app.id) };
}

/** A release's config vars: secrets, so `deploy` as the app's own config vars are, not `view`. */
export async function getReleaseConfig(deps: ServiceDeps, actor: User, appRef: string, ref: string): Promise<ConfigVars> {
  const app = await authorize(deps.store, actor, appRef, 'deploy');
  return (await findRelease(deps.store, app, ref)).config;
}

/**
 * Rollback = a new release with the old release's slug and config; the app's config vars follow. It
 * takes the app's turn like every release, so the target is checked once earlier actions have landed.
 */
export async function rollback(deps: ServiceDeps, actor: User, appRef: string, ref: unknown): Promise<Release> {
  const app = await authorize(deps.store, actor, appRef, 'deploy');
  const { release } = await deps.releaseOwner.change(app, actor, 'rollback', async (tx) => {
    const target = await findRelease(tx, app, ref);
    if (!isRollbackTarget(target)) {
      throw new BerthError('invalid_params', `Release v${target.version} never became current (${target.rollout.reason ?? target.rollout.state}); only a release that ran can be rolled back to.`, 'release');
    }
    await tx.config.replace(app.id, target.config);
    return { release: { description: `Rollback to v${target.version}`, config: target.config, slugId: target.slugId }, result: undefined };
  });
  deps.appLog?.write(app.id, 'berth', 'api', `Release v${release!.version} created by ${actor.email}: ${release!.description}`);
  return release!;
}

/** A release that once became current (its release command passed) can be returned to. */
export const isRollbackTarget = (release: Release): boolean => release.currentAt !== null;
