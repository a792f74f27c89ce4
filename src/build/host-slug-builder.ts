// The local runtime's builder: buildpacks run on this host (as the app's build user) and the slug is a
// directory under BERTH_HOME/slugs.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../domain/errors.js';
import type { AppBuilder, AppBuildRequest, BuiltApp } from './app-builder.js';
import { buildSlug } from './slug-builder.js';

export class HostSlugBuilder implements AppBuilder {
  readonly produces = 'slug' as const;

  constructor(private readonly paths: { slugs: string; cache: string }) {}

  async build(req: AppBuildRequest): Promise<BuiltApp> {
    // The build user cannot enter BERTH_HOME (0700), so the slug builder works in the OS temp dir.
    const built = await buildSlug({
      appId: req.appId, sourceDir: req.sourceDir, slugsDir: this.paths.slugs, cacheDir: path.join(this.paths.cache, req.appId),
      env: req.env, buildpacks: req.buildpacks, log: req.log, signal: req.signal,
    });
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

  /** Slug directories are small and rollback may want any of them; they are kept. */
  async prune(): Promise<void> {}
}
