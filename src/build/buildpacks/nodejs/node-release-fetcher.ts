// Before a build starts, in Berth's own process: which Node.js release the app gets and its
// verified tarball, for the Node.js buildpack to unpack into the slug. Done here rather than in the
// build sandbox so that one cache serves every app (only Berth writes it) and the build needs
// neither the registry's metadata nor a semver library.
import { BerthError } from '../../../domain/errors.js';
import type { Clock } from '../../../platform/clock.js';
import { readAppFile } from '../../app-files.js';
import type { NodeReleaseFile } from '../../buildpack.js';
import { INDENT } from '../../build-step.js';
import { runsNodejsBuildpack } from '../../detect.js';
import type { NodeReleaseCache } from './node-release-cache.js';
import { chooseNodeRelease } from './node-version-choice.js';
import type { NodeReleaseSource } from './npm-registry.js';

export interface NodeReleaseRequest {
  sourceDir: string;
  /** The buildpacks the app names; empty = detect. */
  buildpacks: readonly string[];
  log(line: string): void;
  signal?: AbortSignal;
}

/** What an app without `engines.node` gets: the current LTS (as Heroku), or the stack's own Node.js (air-gapped machines). */
export type NodeDefault = 'lts' | 'stack';

export class NodeReleaseFetcher {
  constructor(private readonly deps: { source: NodeReleaseSource; cache: NodeReleaseCache; clock: Pick<Clock, 'now'>; whenUnspecified?: NodeDefault }) {}

  /** The release for this build, or undefined when the Node.js buildpack will not run. */
  async forBuild(req: NodeReleaseRequest): Promise<NodeReleaseFile | undefined> {
    if (!(await runsNodejsBuildpack(req.sourceDir, req.buildpacks))) return undefined;
    const engines = await enginesOf(req.sourceDir);
    if (engines === INVALID) return undefined; // the buildpack reports the broken package.json
    if (this.deps.whenUnspecified === 'stack' && (engines as { node?: unknown } | undefined)?.node === undefined) {
      req.log("-----> Using the stack's Node.js (no engines.node in package.json; BERTH_NODE_DEFAULT=stack)");
      return undefined;
    }
    req.log('-----> Resolving Node.js');
    const list = await this.deps.source.list(req.signal).catch((e: Error) => {
      throw new BerthError('build_failed', `Could not read the list of Node.js releases from the npm registry: ${e.message}`);
    });
    const { release, reason } = chooseNodeRelease(engines, list, this.deps.clock.now());
    req.log(`${INDENT}${reason}`);
    const tarball = await this.deps.cache.fetch(list.packageName, release, req.log, req.signal);
    return { version: release.version, tarball };
  }
}

const INVALID = Symbol('invalid package.json');

async function enginesOf(sourceDir: string): Promise<unknown> {
  try {
    const pkg: unknown = JSON.parse((await readAppFile(sourceDir, 'package.json')) ?? '');
    if (pkg && typeof pkg === 'object' && !Array.isArray(pkg)) return (pkg as { engines?: unknown }).engines;
  } catch { /* reported by the buildpack */ }
  return INVALID;
}
