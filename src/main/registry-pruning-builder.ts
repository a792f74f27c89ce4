// On the swarm runtime, app images live twice: on Berth's engine (the builder's) and in Berth's
// registry (the nodes'). This builder prunes both: the registry's copies of the images the engine
// is about to drop go first, while the engine can still say which tag each has. A registry that
// cannot be cleaned now is logged, never fails a deploy or a destroy.
import type { AppBuilder, AppBuildRequest, BuiltApp } from '../build/app-builder.js';
import type { Logger } from '../platform/logger.js';
import type { RegistryCleanup } from '../runtime/swarm/registry-cleanup.js';

/** A builder that can say which images on the engine an app's builds made and which are still there, and remove tags (DockerImageBuilder). */
export type ImageAppBuilder = AppBuilder & {
  imagesOf(appId: string): Promise<string[]>;
  onEngine(refs: Iterable<string>): Promise<string[]>;
  removeTags(refs: Iterable<string>, keep: ReadonlySet<string>): Promise<void>;
};

export class RegistryPruningBuilder implements AppBuilder {
  readonly produces: AppBuilder['produces'];

  constructor(private readonly inner: ImageAppBuilder, private readonly registry: RegistryCleanup, private readonly logger: Logger) {
    this.produces = inner.produces;
  }

  build(req: AppBuildRequest): Promise<BuiltApp> {
    return this.inner.build(req);
  }

  fromImage(req: Parameters<AppBuilder['fromImage']>[0]): Promise<BuiltApp> {
    return this.inner.fromImage(req);
  }

  buildStack(opts: Parameters<AppBuilder['buildStack']>[0]): Promise<void> {
    return this.inner.buildStack(opts);
  }

  /** A destroyed app's images, the registry's copies first. */
  async forgetApp(appId: string, built: readonly string[] = []): Promise<void> {
    const images = new Set([...(await this.inner.imagesOf(appId)), ...built]);
    await this.registry.removeImages(images, []).catch((e: Error) => this.logger.warn('registry-images-remain', { app: appId, error: e.message }));
    await this.inner.forgetApp(appId, built);
  }

  async prune(appId: string, images: { remove: ReadonlySet<string>; keep: ReadonlySet<string> }): Promise<void> {
    // Only those still on the engine (listed once for both): the others' registry copies went when they left it.
    const present = await this.inner.onEngine(images.remove).catch(() => [...images.remove]);
    await this.registry.removeImages(present, images.keep).catch((e: Error) => this.logger.warn('registry-prune-failed', { app: appId, error: e.message }));
    await this.inner.removeTags(present, images.keep);
  }
}
