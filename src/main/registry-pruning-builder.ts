// On the swarm runtime, app images live twice: on Berth's engine (the builder's) and in Berth's
// registry (the nodes'). This builder prunes both: after the engine's prune, the registry drops
// what no kept release uses. A registry that cannot be cleaned now is logged, never fails a deploy.
import type { AppBuilder, AppBuildRequest, BuiltApp } from '../build/app-builder.js';
import { appRepository } from '../build/docker/docker-image-builder.js';
import type { Logger } from '../platform/logger.js';
import type { RegistryCleanup } from '../runtime/swarm/registry-cleanup.js';

export class RegistryPruningBuilder implements AppBuilder {
  readonly produces: AppBuilder['produces'];

  constructor(private readonly inner: AppBuilder, private readonly registry: RegistryCleanup, private readonly logger: Logger) {
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

  forgetApp(appId: string): Promise<void> {
    return this.inner.forgetApp(appId);
  }

  async prune(appId: string, appName: string, keep: ReadonlySet<string>): Promise<void> {
    await this.inner.prune(appId, appName, keep);
    await this.registry.removeUnkept(appRepository(appName), keep).catch((e: Error) => this.logger.warn('registry-prune-failed', { app: appId, error: e.message }));
  }

  /** A destroyed app's images in the registry (by name: the repository is named after the app). */
  async forgetAppImages(appName: string): Promise<void> {
    await this.registry.removeAll(appRepository(appName));
  }
}
