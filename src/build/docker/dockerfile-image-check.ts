// Before a Dockerfile build: every image it reads must be one the app may use. The build runs
// on the shared engine, where `FROM 58f` or `COPY --from=berth-app/other:v3` would otherwise
// read another app's image (and the build's own labels hide where its base came from).
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { DockerfileSyntaxError } from './dockerfile-lines.js';
import { dockerfileImageReferences, triggerReferences, type ImageReference } from './dockerfile-refs.js';
import { imageVisibleTo, isIdPrefix, noSuchImage } from './image-access.js';

export async function checkDockerfileImages(docker: Docker, appId: string, dockerfile: string): Promise<void> {
  try {
    for (const ref of dockerfileImageReferences(dockerfile)) {
      const info = await checkReference(docker, appId, ref);
      // The base's ONBUILD triggers run in this build, with this build's rights.
      if (ref.usage === 'FROM') {
        for (const trigger of triggerReferences(info.Config?.OnBuild ?? [], ref)) await checkReference(docker, appId, trigger);
      }
    }
  } catch (e) {
    if (e instanceof DockerfileSyntaxError) throw new BerthError('build_failed', `Dockerfile ${e.message}`);
    throw e;
  }
}

async function checkReference(docker: Docker, appId: string, ref: ImageReference) {
  if (isIdPrefix(ref.ref)) {
    throw new BerthError('build_failed', `Dockerfile line ${ref.line}: ${ref.usage} ${ref.ref} looks like an image id; refer to base images by name (e.g. berth/stack:24).`);
  }
  const info = await imageVisibleTo(docker, appId, ref.ref);
  if (!info) throw new BerthError('build_failed', `Dockerfile line ${ref.line}: ${noSuchImage(ref.ref)}`);
  return info;
}
