// An app with a Dockerfile at its root is built from it by the engine, with the source as the
// build context. Its Procfile, when it has one, names the process types; otherwise `web` runs
// the image's ENTRYPOINT + CMD. The images it reads that the engine lacks are pulled first
// (base-image-pull), then every image it reads is checked (dockerfile-image-check),
// it caches only from the app's own images (build-cache-sources), and the stage images it leaves
// are removed (build-stage-images).
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { parseProcfile } from '../../domain/procfile.js';
import type { ProcessTypes } from '../../domain/types.js';
import { readAppFile } from '../app-files.js';
import { INDENT } from '../build-step.js';
import { pullMissingImages } from './base-image-pull.js';
import { buildCacheOptions } from './build-cache-sources.js';
import { BuildStageImages } from './build-stage-images.js';
import { checkDockerfileImages } from './dockerfile-image-check.js';
import { followProgress } from './engine-progress.js';
import { imagePortLine, processTypesOfImage } from './image-process-types.js';
import type { RegistryCredentials } from './registry-credentials.js';
import { tarDirectory } from './tar-dir.js';

export interface DockerfileBuildJob {
  appId: string;
  sourceDir: string;
  /** The app's repository (`berth-app/<app>`) and the tag of this build in it. */
  repository: string;
  tag: string;
  labels: Record<string, string>;
  /** The operator's registry credentials for pulling missing base images. */
  registryCredentials?: RegistryCredentials;
  log(line: string): void;
}

export async function buildFromDockerfile(docker: Docker, job: DockerfileBuildJob): Promise<{ processTypes: ProcessTypes; sizeBytes: number; leftStages: string[] }> {
  const { appId, sourceDir, log } = job;
  const ref = `${job.repository}:${job.tag}`;
  log('-----> Dockerfile detected: building the image with the Docker engine');
  let dockerfile: string | undefined;
  try {
    dockerfile = await readAppFile(sourceDir, 'Dockerfile');
  } catch (e) {
    throw new BerthError('build_failed', `Dockerfile: ${(e as Error).message}`);
  }
  await pullMissingImages(docker, { dockerfile: dockerfile ?? '', credentials: job.registryCredentials, log });
  await checkDockerfileImages(docker, appId, dockerfile ?? '');
  const procfile = await readAppFile(sourceDir, 'Procfile');
  let declared: ProcessTypes | undefined;
  try {
    declared = procfile === undefined ? undefined : parseProcfile(procfile);
  } catch (e) {
    throw new BerthError('build_failed', `Procfile: ${(e as Error).message}`);
  }
  const stages = new BuildStageImages(docker);
  try {
    // pull: false — what was missing is pulled above, with credentials; the engine must not pull more.
    const options = { t: ref, dockerfile: 'Dockerfile', rm: true, forcerm: true, pull: false, labels: job.labels, ...(await buildCacheOptions(docker, appId, job.repository)) };
    const stream = (await docker.buildImage(tarDirectory(sourceDir), options as never)) as unknown as NodeJS.ReadableStream;
    await followProgress(stream, (l) => {
      stages.observe(l);
      log(`${INDENT}${l}`);
    });
  } catch (e) {
    // Whatever the failed build made so far goes: no image of it is anyone's.
    await stages.removeAllBut(undefined).catch(() => undefined);
    throw new BerthError('build_failed', `Docker build failed: ${(e as Error).message}`);
  }
  const leftStages = await stages.removeAllBut(ref);
  const info = await docker.getImage(ref).inspect();
  const processTypes = declared ?? processTypesOfImage(info);
  log('-----> Discovering process types');
  log(`${INDENT}${declared ? 'Procfile declares' : 'Image command gives'} types -> ${Object.keys(processTypes).join(', ') || '(none)'}`);
  log(`-----> ${imagePortLine(info)}`);
  return { processTypes, sizeBytes: info.Size, leftStages };
}
