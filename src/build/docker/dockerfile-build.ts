// An app with a Dockerfile at its root is built from it by the engine, with the source as the
// build context. Its Procfile, when it has one, names the process types; otherwise `web` runs
// the image's ENTRYPOINT + CMD. The images it reads are checked first (dockerfile-image-check).
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { parseProcfile } from '../../domain/procfile.js';
import type { ProcessTypes } from '../../domain/types.js';
import { readAppFile } from '../app-files.js';
import { INDENT } from '../build-step.js';
import { checkDockerfileImages } from './dockerfile-image-check.js';
import { followProgress } from './engine-progress.js';
import { processTypesOfImage } from './image-process-types.js';
import { tarDirectory } from './tar-dir.js';

export async function buildFromDockerfile(docker: Docker, appId: string, sourceDir: string, tag: string, labels: Record<string, string>, log: (l: string) => void): Promise<{ processTypes: ProcessTypes; sizeBytes: number }> {
  log('-----> Dockerfile detected: building the image with the Docker engine');
  let dockerfile: string | undefined;
  try {
    dockerfile = await readAppFile(sourceDir, 'Dockerfile');
  } catch (e) {
    throw new BerthError('build_failed', `Dockerfile: ${(e as Error).message}`);
  }
  await checkDockerfileImages(docker, appId, dockerfile ?? '');
  const procfile = await readAppFile(sourceDir, 'Procfile');
  let declared: ProcessTypes | undefined;
  try {
    declared = procfile === undefined ? undefined : parseProcfile(procfile);
  } catch (e) {
    throw new BerthError('build_failed', `Procfile: ${(e as Error).message}`);
  }
  // pull: false — the stack and the images the engine already has; nothing depends on a registry.
  const stream = (await docker.buildImage(tarDirectory(sourceDir), { t: tag, dockerfile: 'Dockerfile', rm: true, forcerm: true, pull: false, labels } as never)) as unknown as NodeJS.ReadableStream;
  try {
    await followProgress(stream, (l) => log(`${INDENT}${l}`));
  } catch (e) {
    throw new BerthError('build_failed', `Docker build failed: ${(e as Error).message}`);
  }
  const info = await docker.getImage(tag).inspect();
  const processTypes = declared ?? processTypesOfImage(info);
  log('-----> Discovering process types');
  log(`${INDENT}${declared ? 'Procfile declares' : 'Image command gives'} types -> ${Object.keys(processTypes).join(', ') || '(none)'}`);
  return { processTypes, sizeBytes: info.Size };
}
