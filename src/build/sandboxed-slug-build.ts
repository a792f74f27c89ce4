// A slug build inside a BuildSandbox: the same entry point the docker runtime runs in a stack
// container (container-build-entry.ts), laid out the same way (/workspace/src and job.json, the
// cache at /cache/app, the slug copied to /app), but on this host's own files. Output streams
// live; the result comes back on the last line, after the marker. The workspace sits in a 0700
// directory of Berth's (the build user reaches it only through the sandbox's binds).
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError, isBerthError } from '../domain/errors.js';
import type { ProcessTypes } from '../domain/types.js';
import { runChecked } from '../platform/exec.js';
import { newId } from '../platform/ids.js';
import { FAILURE_MARKER, RESULT_MARKER } from './build-result-marker.js';
import type { BuildSandbox, SandboxMount } from './build-sandbox.js';
import type { NodeReleaseFile } from './buildpack.js';
import { BUILD_PATH, hostNetworkEnv } from './build-step.js';
import { buildUserFor, chownTree } from './build-user.js';
import { lineSplitter } from './line-splitter.js';
import { moveTree } from './slug-files.js';
import type { BuiltSlug } from './slug-builder.js';

/** Berth's compiled code (dist/); the folders the entry point needs are copied into each build. */
const DIST_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_CODE = ['build', 'domain', 'platform', 'logs'];
const ENTRY = '/opt/berth/build/container-build-entry.js';

export interface SandboxedBuildOptions {
  buildId: string;
  appId: string;
  sourceDir: string;
  /** Where workspaces go: a directory only root can enter, emptied at start (crash leftovers). */
  workDir: string;
  slugsDir: string;
  cacheDir: string;
  env: Record<string, string>;
  buildpacks: string[];
  /** The Node.js release Berth fetched (a file of Berth's); copied into the workspace. */
  nodeRelease?: NodeReleaseFile;
  log(line: string): void;
  signal?: AbortSignal;
  /** Berth's compiled code to take the entry point from (default: the dist/ this module runs from). */
  codeDir?: string;
}

export async function buildSlugInSandbox(sandbox: BuildSandbox, opts: SandboxedBuildOptions): Promise<BuiltSlug> {
  const dist = opts.codeDir ?? DIST_ROOT;
  if (!existsSync(path.join(dist, 'build', 'container-build-entry.js'))) {
    throw new Error(`${dist}/build/container-build-entry.js is missing: sandboxed builds need Berth's compiled code (npm run build)`);
  }
  const user = buildUserFor(opts.appId);
  if (!user) throw new Error('sandboxed builds need root');
  await mkdir(opts.workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(path.join(opts.workDir, 'build-'));
  const [workspace, cache, out, code] = ['workspace', 'cache', 'app', 'code'].map((d) => path.join(dir, d)) as [string, string, string, string];
  let cacheMoved = false;
  try {
    await cp(opts.sourceDir, path.join(workspace, 'src'), { recursive: true, verbatimSymlinks: true });
    const buildpacks = buildpackMounts(opts.buildpacks);
    const nodeRelease = opts.nodeRelease && { version: opts.nodeRelease.version, tarball: '/workspace/node-release.tgz' };
    if (opts.nodeRelease) await cp(opts.nodeRelease.tarball, path.join(workspace, 'node-release.tgz'));
    await writeFile(path.join(workspace, 'job.json'), JSON.stringify({ env: opts.env, buildpacks: buildpacks.names, nodeRelease }), { mode: 0o600 });
    await moveTree(opts.cacheDir, path.join(cache, 'app')).then(() => { cacheMoved = true; }, async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await mkdir(path.join(cache, 'app'), { recursive: true });
      cacheMoved = true;
    });
    await mkdir(out);
    for (const d of [workspace, cache, out]) await chownTree(d, user);
    await copyBuildCode(dist, code);

    const lines: string[] = [];
    let failure: string | undefined;
    const split = lineSplitter((line) => {
      if (line.startsWith(RESULT_MARKER)) lines.push(line.slice(RESULT_MARKER.length));
      else if (line.startsWith(FAILURE_MARKER)) failure = line.slice(FAILURE_MARKER.length);
      else opts.log(line);
    });
    const exitCode = await sandbox.run({
      id: opts.buildId, user, argv: ['node', ENTRY], signal: opts.signal, onOutput: (c) => split.push(c),
      env: { PATH: BUILD_PATH, HOME: '/workspace', LANG: 'C.UTF-8', ...hostNetworkEnv() },
      mounts: [
        { from: code, to: '/opt/berth', access: 'ro' },
        { from: workspace, to: '/workspace', access: 'rw' },
        { from: cache, to: '/cache', access: 'rw' },
        { from: out, to: '/app', access: 'rw' },
        ...buildpacks.mounts,
      ],
    });
    split.flush();
    const result = lines.at(-1);
    // The entry point sent the reason after the failure marker (unless it died before it could).
    if (exitCode !== 0 || result === undefined) throw new BerthError('build_failed', failure ?? 'Build failed; see the build output above.');
    const parsed = JSON.parse(result) as { processTypes: ProcessTypes; buildpackDescription: string; sizeBytes: number };
    // Sealed as the host-side builder seals it: root's, readable by whichever app user runs it.
    await runChecked('chown', ['-R', '-P', '0:0', '--', out]);
    await runChecked('chmod', ['-R', 'u+rwX,go+rX,go-w', '--', out]);
    const slugId = newId();
    const slugDir = path.join(opts.slugsDir, slugId);
    await moveTree(out, slugDir);
    return { slugId, slugDir, ...parsed };
  } catch (e) {
    if (isBerthError(e)) throw e;
    // Not logged here: the deploy pipeline says why a build failed, once.
    throw new BerthError('build_failed', `Build failed: ${(e as Error).message}`);
  } finally {
    if (cacheMoved) await moveTree(path.join(cache, 'app'), opts.cacheDir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** An operator's buildpack directories (absolute paths on this host) appear read-only at /buildpacks/<n>. */
function buildpackMounts(buildpacks: string[]): { names: string[]; mounts: SandboxMount[] } {
  const mounts: SandboxMount[] = [];
  const names = buildpacks.map((name, i) => {
    if (!name.startsWith('/')) return name;
    mounts.push({ from: path.normalize(name), to: `/buildpacks/${i}`, access: 'ro' });
    return `/buildpacks/${i}`;
  });
  return { names, mounts };
}

/** The entry point and what it imports, with a package.json saying they are ES modules. */
async function copyBuildCode(dist: string, code: string): Promise<void> {
  await mkdir(code, { mode: 0o755 });
  await chmod(code, 0o755);
  await writeFile(path.join(code, 'package.json'), '{"type":"module"}\n', { mode: 0o644 });
  for (const d of BUILD_CODE) {
    await cp(path.join(dist, d), path.join(code, d), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
  }
}
