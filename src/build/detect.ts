// Which buildpacks build an app: the ones it names, in order, or the first built-in that detects.
import path from 'node:path';
import { BerthError } from '../domain/errors.js';
import type { Buildpack, BuildUser } from './buildpack.js';
import { fetchBuildpack } from './buildpack-source.js';
import { NodejsBuildpack } from './buildpacks/nodejs/nodejs-buildpack.js';
import { ProcfileBuildpack } from './buildpacks/procfile/procfile-buildpack.js';
import { PythonBuildpack } from './buildpacks/python/python-buildpack.js';
import { StaticBuildpack } from './buildpacks/static/static-buildpack.js';
import { ClassicBuildpack } from './classic-buildpack.js';

/** Detection order matters: a Node app may also hold an index.html or a .py helper; a Procfile is the fallback. */
export const builtinBuildpacks = (): Buildpack[] =>
  [new NodejsBuildpack(), new PythonBuildpack(), new StaticBuildpack(), new ProcfileBuildpack()];

/** Heroku's names for the official buildpacks we provide ourselves. */
const ALIASES: Record<string, string> = { 'heroku/nodejs': 'nodejs', 'heroku/python': 'python' };

/** The Heroku buildpack names (`heroku/nodejs`) an app may set and Berth builds with its own buildpack. */
export const herokuBuildpackNames = (): string[] => Object.keys(ALIASES);

const DISPLAY_NAMES: Record<string, string> = { nodejs: 'Node.js', python: 'Python', static: 'Static', procfile: 'Procfile' };

/** The buildpack's name as Heroku's `buildpack_description` shows it. */
export function describeBuildpack(bp: Buildpack): string {
  return bp instanceof ClassicBuildpack ? bp.detectedName : DISPLAY_NAMES[bp.name] ?? bp.name;
}

export interface ResolveOptions {
  /** Where fetched classic buildpacks go (inside the build's workspace). */
  fetchDir: string;
  runAs?: BuildUser;
  home: string;
  log(line: string): void;
  signal?: AbortSignal;
}

/** Turns an app's buildpack names into buildpacks: built-in by name, otherwise fetched classic ones. */
export async function resolveBuildpacks(names: readonly string[], opts: ResolveOptions): Promise<Buildpack[]> {
  const result: Buildpack[] = [];
  for (const [i, raw] of names.entries()) {
    const name = ALIASES[raw] ?? raw;
    const builtin = builtinBuildpacks().find((bp) => bp.name === name);
    if (builtin) { result.push(builtin); continue; }
    const dest = path.join(opts.fetchDir, String(i));
    await fetchBuildpack(raw, dest, opts);
    result.push(new ClassicBuildpack(raw, dest, opts.runAs));
  }
  return result;
}

/**
 * Whether a build of this source runs the Node.js buildpack, known before it starts (Berth fetches
 * its Node.js release first): named, or detected first among the built-ins.
 */
export async function runsNodejsBuildpack(buildDir: string, names: readonly string[]): Promise<boolean> {
  if (names.length > 0) return names.some((n) => (ALIASES[n] ?? n) === 'nodejs');
  for (const bp of builtinBuildpacks()) if (await bp.detect(buildDir)) return bp.name === 'nodejs';
  return false;
}

/** The buildpacks to run: every named one must detect the app (as Heroku insists); else the first built-in that does. */
export async function selectBuildpacks(buildDir: string, named: Buildpack[]): Promise<Buildpack[]> {
  if (named.length > 0) {
    for (const bp of named) {
      if (!(await bp.detect(buildDir))) {
        throw new BerthError('build_failed', `The buildpack ${bp.name} does not apply to this app (its detect step said no).`);
      }
    }
    return named;
  }
  for (const bp of builtinBuildpacks()) if (await bp.detect(buildDir)) return [bp];
  throw new BerthError('build_failed',
    'No buildpack detected this app: add a package.json (Node.js), requirements.txt or a .py file (Python), ' +
    'an index.html (static site), or a Procfile, or name a buildpack.');
}
