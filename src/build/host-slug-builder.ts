// The local runtime's builder: the slug is a directory under BERTH_HOME/slugs. With a sandbox (root,
// the local runtime isolated) every build runs inside it; without one (plain mode) the buildpacks
// run on this host, as the app's build user when root, with none of the sandbox's limits.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { BerthError, isBerthError } from '../domain/errors.js';
import type { AppBuilder, AppBuildRequest, BuiltApp } from './app-builder.js';
import type { BuildSandbox } from './build-sandbox.js';
import type { NodeReleaseFetcher } from './buildpacks/nodejs/node-release-fetcher.js';
import { builderLine, chooseBuilder } from './builder-choice.js';
import { buildSlugInSandbox } from './sandboxed-slug-build.js';
import { buildSlug } from './slug-builder.js';

export class HostSlugBuilder implements AppBuilder {
  readonly produces = 'slug' as const;

  constructor(
    /** `code`: Berth's compiled code for sandboxed builds (default: the dist/ this runs from). */
    private readonly paths: { slugs: string; cache: string; work: string; code?: string },
    private readonly sandbox?: BuildSandbox,
    /** Resolves and fetches the Node.js release of Node.js apps before the build starts. */
    private readonly nodeReleases?: NodeReleaseFetcher,
  ) {}

  async build(req: AppBuildRequest): Promise<BuiltApp> {
    const cacheDir = path.join(this.paths.cache, req.appId);
    // Slugs only: a Dockerfile never selects the builder here (an app with nothing else fails, naming the docker runtime).
    const choice = await chooseBuilder({ sourceDir: req.sourceDir, appBuildpacks: req.buildpacks, dockerfileBuilds: false });
    req.log(builderLine(choice));
    const buildpacks = choice.builder === 'buildpacks' ? choice.buildpacks : [];
    // Not logged here: the deploy pipeline says why a build failed, once.
    const nodeRelease = await this.nodeReleases?.forBuild({ ...req, buildpacks }).catch((e: unknown) => {
      throw isBerthError(e) ? e : new BerthError('build_failed', `Build failed: ${(e as Error).message}`);
    });
    const common = { appId: req.appId, sourceDir: req.sourceDir, slugsDir: this.paths.slugs, cacheDir, env: req.env, buildpacks, nodeRelease, log: req.log, signal: req.signal };
    // Unsandboxed, the build user cannot enter BERTH_HOME (0700), so the slug builder works in the OS temp dir.
    const built = this.sandbox
      ? await buildSlugInSandbox(this.sandbox, { ...common, buildId: req.buildId, workDir: this.paths.work, codeDir: this.paths.code })
      : await buildSlug(common);
    return { location: built.slugDir, processTypes: built.processTypes, buildpackDescription: built.buildpackDescription, sizeBytes: built.sizeBytes };
  }

  async fromImage(): Promise<BuiltApp> {
    throw new BerthError('invalid_params', 'This Berth runs apps with the local runtime, which cannot run Docker images; deploy the source instead.', 'build');
  }

  async buildStack(): Promise<void> {
    throw new BerthError('invalid_params', 'The local runtime builds and runs slugs on this host; there is no stack image to build.', 'stack');
  }

  /** The app's cache directory goes; its slugs stay with the releases that name them. */
  async forgetApp(appId: string): Promise<void> {
    await rm(path.join(this.paths.cache, appId), { recursive: true, force: true });
  }

  /**
   * At start, before any build: what builds of an earlier Berth left when it died (running
   * sandboxes, workspaces holding source, config and cache). No build survives its Berth.
   */
  async removeLeftovers(): Promise<void> {
    await this.sandbox?.removeLeftovers();
    for (const name of await readdir(this.paths.work).catch(() => [] as string[])) {
      await rm(path.join(this.paths.work, name), { recursive: true, force: true });
    }
  }

  /** Slug directories are small and rollback may want any of them; they are kept. */
  async prune(): Promise<void> {}
}
