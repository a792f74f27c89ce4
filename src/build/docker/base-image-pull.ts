// Before a Dockerfile build: the images it reads that the engine does not have are pulled, through
// the engine (so its registry mirrors and insecure-registry settings apply) with the operator's
// credentials for the registry each image names. Only what is missing is pulled, as `docker build`
// does without `--pull`; the access check (dockerfile-image-check) runs afterwards on the result.
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { INDENT } from '../build-step.js';
import { DockerfileSyntaxError } from './dockerfile-lines.js';
import { dockerfileImageReferences, type ImageReference } from './dockerfile-refs.js';
import { followProgress } from './engine-progress.js';
import { isIdPrefix } from './image-access.js';
import { ImagePullProgress } from './image-pull-progress.js';
import { DOCKER_HUB, isBerthImageName, pullReference, registryOf } from './image-reference-parts.js';
import type { RegistryAuth, RegistryCredentials } from './registry-credentials.js';

export interface BaseImagePullJob {
  dockerfile: string;
  /** Where a registry's credentials come from; without it every pull is anonymous. */
  credentials?: RegistryCredentials;
  log(line: string): void;
}

export async function pullMissingImages(docker: Docker, job: BaseImagePullJob): Promise<void> {
  let refs: ImageReference[];
  try {
    refs = dockerfileImageReferences(job.dockerfile);
  } catch (e) {
    // The access check that follows reports the Dockerfile's mistake with its line.
    if (e instanceof DockerfileSyntaxError) return;
    throw e;
  }
  const asked = new Set<string>();
  for (const ref of refs) {
    if (asked.has(ref.ref) || !isPullable(ref.ref)) continue;
    asked.add(ref.ref);
    if ((await localImage(docker, ref.ref)) !== 'missing') continue;
    await pullImage(docker, ref, job);
  }
}

/**
 * Ids are not names a registry knows. Berth's own names (`berth/stack:24`, `berth-app/<app>:…`)
 * are never pulled: a pull would move the tag of another app's image to whatever Docker Hub
 * serves under it, and a missing one must be answered exactly as another app's image is.
 */
function isPullable(ref: string): boolean {
  return !isIdPrefix(ref) && !/^(sha256:)?[0-9a-f]{64}$/i.test(ref) && !isBerthImageName(ref);
}

/**
 * Whether the engine has an image under ref, whoever's it is: a pull would move a name that an
 * image carries, so only a name nothing carries is pulled. `invalid` is left to the access check.
 */
async function localImage(docker: Docker, ref: string): Promise<'present' | 'missing' | 'invalid'> {
  try {
    await docker.getImage(ref).inspect();
    return 'present';
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404) return 'missing';
    if (status === 400) return 'invalid';
    throw e;
  }
}

async function pullImage(docker: Docker, ref: ImageReference, job: BaseImagePullJob): Promise<void> {
  const registry = registryOf(ref.ref);
  job.log(`-----> Pulling ${ref.ref} (Dockerfile line ${ref.line}) from ${registryName(registry)}`);
  let auth: RegistryAuth | undefined;
  try {
    auth = await job.credentials?.forRegistry(registry);
  } catch (e) {
    throw new BerthError('build_failed', `Dockerfile line ${ref.line}: cannot pull ${ref.ref}: ${(e as Error).message}`);
  }
  if (auth) job.log(`${INDENT}with the credentials for ${registry} in ${job.credentials!.source}`);
  const progress = new ImagePullProgress(ref.ref, (l) => job.log(`${INDENT}${l}`));
  try {
    const stream = (await docker.createImage(auth as never, { fromImage: pullReference(ref.ref) })) as NodeJS.ReadableStream;
    await followProgress(stream, () => undefined, (e) => progress.event(e));
  } catch (e) {
    throw new BerthError('build_failed', pullFailure(ref, registry, engineMessage(e as Error), job.credentials?.source));
  }
  progress.end();
}

const registryName = (registry: string) => (registry === DOCKER_HUB ? 'Docker Hub (docker.io)' : registry);

/** docker-modem prefixes the engine's own words with its HTTP status; the words are what matter. */
const engineMessage = (e: Error) => e.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();

/** Which image, which registry, what the engine said, and what the operator can do about it. */
export function pullFailure(ref: Pick<ImageReference, 'ref' | 'line'>, registry: string, engineError: string, credentialsSource?: string): string {
  const login = registry === DOCKER_HUB ? 'docker login' : `docker login ${registry}`;
  const remedies = [
    `load it into the Docker engine (\`docker save\` on a machine that has it, \`docker load\` here)`,
    // The engine's registry-mirrors apply to Docker Hub only.
    registry === DOCKER_HUB
      ? 'configure a registry mirror (`registry-mirrors` in the engine\'s daemon.json)'
      : `make sure ${registry} answers from the Docker engine's machine`,
    `if the registry needs credentials, \`${login}\` as the user running Berth${credentialsSource ? ` (Berth reads ${credentialsSource})` : ''}`,
  ];
  return `Dockerfile line ${ref.line}: cannot pull the image ${ref.ref} from ${registryName(registry)}: ${engineError}. `
    + `The operator can ${remedies.join(', or ')}.`;
}
