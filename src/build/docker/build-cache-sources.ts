// Which layer cache a Dockerfile build may reuse. The classic builder's cache is engine-wide:
// app B's `RUN curl … > /token` identical to app A's would be served A's layer (A's build output,
// A's secrets) without running. With `cachefrom`, the engine reuses a cached step only when it is
// an ancestor of one of the listed images, so each app gets the images of its own kept builds.
import type Docker from 'dockerode';
import { APP_ID_LABEL } from './image-access.js';

/**
 * Build options for the app's cache: its own tagged images (tags only Berth gives, labels only
 * Berth sets last) as the cache sources; no cache at all when it has none, because an empty
 * `cachefrom` means the engine-wide cache.
 */
export async function buildCacheOptions(docker: Docker, appId: string, repository: string): Promise<{ cachefrom: string } | { nocache: true }> {
  const images = await docker.listImages({ filters: { label: [`${APP_ID_LABEL}=${appId}`], reference: [repository] } });
  const own = images.filter((i) => (i.RepoTags ?? []).some((t) => t.startsWith(`${repository}:`))).map((i) => i.Id);
  // The engine takes the list as one JSON array in the query (a plain array would be repeated keys).
  return own.length > 0 ? { cachefrom: JSON.stringify(own) } : { nocache: true };
}
