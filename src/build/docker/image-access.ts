// Which engine images an app may read. The engine resolves any unique id prefix (`7`, `7a`),
// so every image is reachable by guessing; the answer must not depend on what is reachable.
//
// - An image labelled `berth.app-id` is that app's (Berth labels every image it builds or
//   releases); for any other app it is answered exactly as a missing one, so guessing tells nothing.
// - An unlabelled image is usable only by a name it carries (`berth/stack:24`, an operator's
//   `docker build -t`), never by id. The untagged stages of every Dockerfile build (each step's
//   image, other stages' images, leftovers of a crashed build) are unlabelled and have no name:
//   by id they would hand one app's build (its secrets) to another.
import type Docker from 'dockerode';

export type ImageInfo = Docker.ImageInspectInfo;

export const APP_ID_LABEL = 'berth.app-id';

/** The image when appId may use it under this reference; undefined when not (or missing). */
export async function imageVisibleTo(docker: Docker, appId: string, ref: string): Promise<ImageInfo | undefined> {
  if (isIdPrefix(ref)) return undefined;
  let info: ImageInfo;
  try {
    info = await docker.getImage(ref).inspect();
  } catch (e) {
    // 400: not even a valid reference, which the build could not use either.
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404 || status === 400) return undefined;
    throw e;
  }
  const owner = info.Config?.Labels?.[APP_ID_LABEL];
  if (owner !== undefined) return owner === appId ? info : undefined;
  return isNameOf(info, ref) ? info : undefined;
}

/** A bare image id or id prefix (`58f`, `sha256:58f8…`) short of the full 64 digits. */
export const isIdPrefix = (ref: string) => /^(sha256:)?[0-9a-f]{1,63}$/i.test(ref);

/**
 * Whether ref is one of the image's own names (a tag or a digest), rather than something the
 * engine resolved some other way (a full id, `sha256:…`, an id that also parses as a name).
 */
export function isNameOf(info: Pick<ImageInfo, 'RepoTags' | 'RepoDigests'>, ref: string): boolean {
  const wanted = normalizedName(ref);
  return [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])].some((name) => normalizedName(name) === wanted);
}

/** `debian` and `docker.io/library/debian:latest` are one name, as the engine reads them. */
function normalizedName(ref: string): string {
  let name = ref.replace(/^docker\.io\//, '').replace(/^library\//, '');
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !lastPart.includes(':')) name += ':latest';
  return name;
}

export const noSuchImage = (ref: string) => `the Docker engine has no image ${ref}; build or load it there first.`;
