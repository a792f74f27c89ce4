// Which engine images an app may read. The engine resolves any unique id prefix (`7`, `7a`),
// so every image is reachable by guessing; an image labelled for another app (its code) is
// answered exactly as a missing one, so guessing tells nothing.
import type Docker from 'dockerode';

export type ImageInfo = Docker.ImageInspectInfo;

/** The image when appId may use it: its own, or one of no app (the stack, operator images). */
export async function imageVisibleTo(docker: Docker, appId: string, ref: string): Promise<ImageInfo | undefined> {
  let info: ImageInfo;
  try {
    info = await docker.getImage(ref).inspect();
  } catch (e) {
    // 400: not even a valid reference, which the build could not use either.
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404 || status === 400) return undefined;
    throw e;
  }
  const owner = info.Config?.Labels?.['berth.app-id'];
  return owner === undefined || owner === appId ? info : undefined;
}

/** A bare image id or id prefix (`58f`, `sha256:58f8…`) short of the full 64 digits. */
export const isIdPrefix = (ref: string) => /^(sha256:)?[0-9a-f]{1,63}$/i.test(ref);

export const noSuchImage = (ref: string) => `the Docker engine has no image ${ref}; build or load it there first.`;
