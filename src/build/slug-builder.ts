// Builds a slug: copies the source into a fresh workspace, runs the buildpacks as the app's build
// user, kills whatever they left running, reads the Procfile and moves the result into
// slugsDir/<slug-id>/, or leaves nothing behind.
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthError, isBerthError } from '../domain/errors.js';
import { parseProcfile } from '../domain/procfile.js';
import type { ProcessTypes } from '../domain/types.js';
import { newId } from '../platform/ids.js';
import { runChecked } from '../platform/exec.js';
import { readAppFile } from './app-files.js';
import type { CompileContext, NodeReleaseFile } from './buildpack.js';
import { buildUserFor, chownTree } from './build-user.js';
import { killBuildProcesses } from './build-processes.js';
import { INDENT } from './build-step.js';
import { describeBuildpack, resolveBuildpacks, selectBuildpacks } from './detect.js';
import { formatSize, moveTree, treeSize } from './slug-files.js';

export interface BuildSlugOptions {
  /** Picks the build uid when Berth runs as root (required then); one app's builds must not overlap. */
  appId?: string;
  /** The unpacked source (`.slugignore` already applied when it was packed). */
  sourceDir: string;
  /** Where the temporary workspace goes (default: the OS temp dir); must be traversable by the build user. */
  workDir?: string;
  slugsDir: string;
  /** The app's cache, kept between builds; created when missing. */
  cacheDir: string;
  /** The app's config vars. */
  env: Record<string, string>;
  /** Buildpacks the app names (built-in names, directories or git URLs); empty = detect. */
  buildpacks?: string[];
  /** The Node.js release Berth fetched for the Node.js buildpack (see node-release-fetcher.ts). */
  nodeRelease?: NodeReleaseFile;
  log(line: string): void;
  signal?: AbortSignal;
}

export interface BuiltSlug {
  slugId: string;
  /** The slug directory, to be mounted read-only at /app. */
  slugDir: string;
  processTypes: ProcessTypes;
  buildpackDescription: string;
  sizeBytes: number;
}

export async function buildSlug(opts: BuildSlugOptions): Promise<BuiltSlug> {
  const runAs = buildUserFor(opts.appId);
  const workspace = await mkdtemp(path.join(opts.workDir ?? tmpdir(), 'berth-build-'));
  const buildDir = path.join(workspace, 'app');
  const cacheDir = path.join(workspace, 'cache');
  let cacheMoved = false;
  try {
    // Left from a build Berth did not see to its end (a crash): nothing of this uid may run yet.
    if (runAs) await killBuildProcesses(runAs);
    // The build user reaches its dirs inside (each 0700, its own), but cannot list or write here.
    await chmod(workspace, 0o711);
    await cp(opts.sourceDir, buildDir, { recursive: true, verbatimSymlinks: true });
    // The cache comes into the workspace so the build user never needs a path into Berth's state dir.
    await moveTree(opts.cacheDir, cacheDir).then(() => { cacheMoved = true; }, async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(cacheDir);
      cacheMoved = true;
    });
    await mkdir(path.join(cacheDir, '.home'), { recursive: true });
    await mkdir(path.join(workspace, 'buildpacks'));
    await mkdir(path.join(workspace, 'tmp'));
    // A copy in the workspace: the build user may not be able to reach where Berth keeps it.
    const nodeRelease = opts.nodeRelease && { version: opts.nodeRelease.version, tarball: path.join(workspace, 'tmp', 'node-release.tgz') };
    if (opts.nodeRelease && nodeRelease) await cp(opts.nodeRelease.tarball, nodeRelease.tarball);
    if (runAs) for (const dir of [buildDir, cacheDir, path.join(workspace, 'buildpacks'), path.join(workspace, 'tmp')]) await chownTree(dir, runAs);

    const ctx: CompileContext = { buildDir, cacheDir, env: opts.env, log: opts.log, signal: opts.signal, runAs, nodeRelease };
    const named = await resolveBuildpacks(opts.buildpacks ?? [], {
      fetchDir: path.join(workspace, 'buildpacks'), runAs, home: path.join(cacheDir, '.home'), log: opts.log, signal: opts.signal,
    });
    const buildpacks = await selectBuildpacks(buildDir, named);
    // One after another in the same build dir, as on Heroku: each sees what the earlier ones built
    // and exported, and a later one's default process types win over an earlier one's.
    const defaults: ProcessTypes = {};
    for (const bp of buildpacks) {
      const compiled = await bp.compile(ctx);
      Object.assign(defaults, compiled.processTypes);
      if (compiled.exported) ctx.exported = compiled.exported;
    }

    // Before the slug is read and sealed: nothing of the build may still write into it.
    if (runAs) await killBuildProcesses(runAs);
    const processTypes = await discoverProcessTypes(buildDir, defaults, opts.log);
    await sealSlug(buildDir, runAs !== undefined);
    const sizeBytes = await treeSize(buildDir);
    opts.log(`-----> Compiled slug size is ${formatSize(sizeBytes)}`);
    const slugId = newId();
    const slugDir = path.join(opts.slugsDir, slugId);
    await moveTree(buildDir, slugDir);
    return { slugId, slugDir, processTypes, buildpackDescription: buildpacks.map(describeBuildpack).join(', '), sizeBytes };
  } catch (e) {
    // Not logged here: the deploy pipeline says why a build failed, once.
    throw isBerthError(e) ? e : new BerthError('build_failed', `Build failed: ${(e as Error).message}`);
  } finally {
    // Success, failure or cancel: the build's background processes end with it.
    if (runAs) await killBuildProcesses(runAs).catch((e: Error) => opts.log(` !     ${e.message}`));
    if (cacheMoved) await moveTree(cacheDir, opts.cacheDir).catch(() => rm(cacheDir, { recursive: true, force: true }));
    await rm(workspace, { recursive: true, force: true });
  }
}

/** The Procfile's types over the buildpacks' defaults; a broken Procfile fails the build. */
async function discoverProcessTypes(buildDir: string, defaults: ProcessTypes, log: (l: string) => void): Promise<ProcessTypes> {
  log('-----> Discovering process types');
  let text: string | undefined;
  let declared: ProcessTypes = {};
  try {
    text = await readAppFile(buildDir, 'Procfile');
    if (text !== undefined) declared = parseProcfile(text);
  } catch (e) {
    throw new BerthError('build_failed', (e as Error).message.startsWith('Procfile') ? (e as Error).message : `Procfile: ${(e as Error).message}`);
  }
  if (text !== undefined) log(`${INDENT}Procfile declares types -> ${Object.keys(declared).join(', ') || '(none)'}`);
  const fromDefaults = Object.keys(defaults).filter((t) => !Object.hasOwn(declared, t));
  if (fromDefaults.length > 0) log(`${INDENT}Default types for buildpack -> ${fromDefaults.join(', ')}`);
  return { ...defaults, ...declared };
}

/** Hands the slug back to root and makes it readable (not writable) by whichever user runs it. */
async function sealSlug(buildDir: string, sandboxed: boolean): Promise<void> {
  if (sandboxed) await runChecked('chown', ['-R', '-P', '0:0', '--', buildDir]);
  await runChecked('chmod', ['-R', 'u+rwX,go+rX,go-w', '--', buildDir]);
}
