// The parts of an app's `app.json` (Heroku's app manifest) that the build reads, from the pushed
// source. Only `buildpacks` today; the other keys are read where they are used, and this is the
// one place that parses the file for the build, so new keys are added here.
import { BerthError } from '../domain/errors.js';
import { readAppFile } from './app-files.js';

export interface AppManifest {
  /** `buildpacks: [{ "url": … }]`, in order; undefined when the key is absent. */
  buildpacks?: string[];
}

const fail = (why: string): never => { throw new BerthError('build_failed', `app.json: ${why}`); };

/** The manifest at the source's root; an empty one when there is no app.json. A broken one fails the build. */
export async function readAppManifest(sourceDir: string): Promise<AppManifest> {
  let text: string | undefined;
  try {
    text = await readAppFile(sourceDir, 'app.json');
  } catch (e) {
    return fail((e as Error).message);
  }
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message}).`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('must be a JSON object.');
  const raw = (parsed as Record<string, unknown>).buildpacks;
  return raw === undefined ? {} : { buildpacks: manifestBuildpacks(raw) };
}

/** Heroku's shape: a list of `{ "url": "heroku/nodejs" }` (a bare string is taken too). */
function manifestBuildpacks(raw: unknown): string[] {
  if (!Array.isArray(raw)) return fail('"buildpacks" must be a list of {"url": "…"}.');
  return raw.map((entry, i) => {
    const url = typeof entry === 'string' ? entry : (entry as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || url.trim() === '' || url.length > 500) {
      return fail(`"buildpacks"[${i}] must be {"url": "<buildpack name, https git URL or directory>"}.`);
    }
    return url.trim();
  });
}
