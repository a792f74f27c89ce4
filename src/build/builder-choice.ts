// Which builder turns this source into a slug or an image, and why, decided once on the host before
// any build runs (Heroku's order, with Dokku's Dockerfile rule): buildpacks the app names win
// (`buildpacks:set`, then app.json `buildpacks`, then a `.buildpacks` file); otherwise a root
// Dockerfile selects a Docker build where the runtime can build images; otherwise the built-in
// buildpacks detect. A language Berth has no buildpack for fails here, saying what to do.
import { BerthError } from '../domain/errors.js';
import { isAppFile } from './app-files.js';
import { readAppJson } from './app-json.js';
import { readBuildpacksFile } from './buildpacks-file.js';
import { builtinBuildpacks } from './detect.js';
import { findUnsupportedLanguage } from './unsupported-languages.js';

export type BuilderChoice =
  /** `buildpacks` empty: the built-ins detect (inside the build, as before). */
  | { builder: 'buildpacks'; buildpacks: string[]; reason: string }
  | { builder: 'dockerfile'; reason: string };

export interface ChoiceInput {
  sourceDir: string;
  /** The app's own list (`buildpacks:set`, or the build request's `buildpacks`). */
  appBuildpacks: readonly string[];
  /** Whether this runtime's builder builds Dockerfiles (docker, swarm); local does not. */
  dockerfileBuilds: boolean;
}

/** Built-ins that build a language; the static and Procfile ones only serve or run what is there. */
const LANGUAGE_BUILDPACKS = new Set(['nodejs', 'python']);

export async function chooseBuilder(input: ChoiceInput): Promise<BuilderChoice> {
  const { sourceDir } = input;
  const named = (list: readonly string[], where: string): BuilderChoice =>
    ({ builder: 'buildpacks', buildpacks: [...list], reason: `${list.length > 1 ? 'buildpacks' : 'buildpack'} ${list.join(', ')} (${where})` });
  if (input.appBuildpacks.length > 0) return named(input.appBuildpacks, 'set on the app');
  // The same reader the deploy uses for the rest of app.json: one parse, one set of rules.
  const manifest = await readAppJson(sourceDir);
  if (manifest?.buildpacks && manifest.buildpacks.length > 0) return named(manifest.buildpacks, 'app.json "buildpacks"');
  const listed = await readBuildpacksFile(sourceDir);
  if (listed) return named(listed, '.buildpacks');

  const hasDockerfile = await isAppFile(sourceDir, 'Dockerfile');
  if (hasDockerfile && input.dockerfileBuilds) {
    return { builder: 'dockerfile', reason: 'Dockerfile (a Dockerfile at the root and no buildpacks set; `berth buildpacks:set` builds with buildpacks instead)' };
  }
  let detected: string | undefined;
  for (const bp of builtinBuildpacks()) if (await bp.detect(sourceDir)) { detected = bp.name; break; }
  if (detected === undefined || !LANGUAGE_BUILDPACKS.has(detected)) {
    const language = await findUnsupportedLanguage(sourceDir);
    if (language) {
      throw new BerthError('build_failed',
        `This looks like a ${language.language} app (${language.marker}), and Berth has no built-in ${language.language} buildpack. ` +
        `Set one with \`berth buildpacks:set ${language.buildpackUrl}\`, or add a Dockerfile` +
        `${input.dockerfileBuilds ? '' : ' and run Berth with the docker runtime (BERTH_RUNTIME=docker)'}.`);
    }
  }
  if (hasDockerfile && detected === undefined) {
    throw new BerthError('build_failed',
      'This app has a Dockerfile and nothing the built-in buildpacks build, and the local runtime builds with buildpacks only. ' +
      'Run Berth with the docker runtime (BERTH_RUNTIME=docker) to build the Dockerfile, or set a buildpack with `berth buildpacks:set`.');
  }
  const ignored = hasDockerfile ? '; the Dockerfile is not used: the local runtime builds with buildpacks only (BERTH_RUNTIME=docker builds it)' : '';
  return { builder: 'buildpacks', buildpacks: [], reason: `buildpacks detected (none set on the app${ignored})` };
}

/** The first line of a build's output: which builder, and why. */
export const builderLine = (choice: BuilderChoice): string => `-----> Building with ${choice.reason}`;
