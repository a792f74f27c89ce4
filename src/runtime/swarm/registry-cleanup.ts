// Deletes from Berth's registry what the builder deleted on Berth's engine: an app's images no kept
// release uses (after each deploy's prune) and every image of a destroyed app. The manifests go
// through the registry API, their layers at the garbage collection that follows, which takes its
// turn with pushes (ImagePublisher.exclusive).
import type { Logger } from '../../platform/logger.js';
import type { ImagePublisher } from './image-publisher.js';
import type { RegistryApi } from './registry-api.js';

export interface RegistryCleanupOptions {
  publisher: ImagePublisher;
  api: RegistryApi;
  /** The registry's garbage collection (ImageRegistry.garbageCollect). */
  garbageCollect: () => Promise<void>;
  logger: Logger;
}

export class RegistryCleanup {
  constructor(private readonly opts: RegistryCleanupOptions) {}

  /**
   * Deletes the tags of the repository the kept local images go to, except theirs. Kept images
   * are named by their local references (release slugs); one that cannot be read on the engine
   * stops the cleanup: its registry tag is unknown, and a node may still need it.
   */
  async removeUnkept(repository: string, keepLocalRefs: ReadonlySet<string>): Promise<number> {
    const keep = new Set<string>();
    for (const ref of keepLocalRefs) {
      const destination = await this.opts.publisher.destinationOf(ref);
      if (destination.repository === repository) keep.add(destination.tag);
    }
    const tags = (await this.opts.api.tags(repository)).filter((t) => !keep.has(t));
    return this.remove(repository, tags);
  }

  /** Every image of the repository (a destroyed app's). */
  async removeAll(repository: string): Promise<number> {
    return this.remove(repository, await this.opts.api.tags(repository));
  }

  private async remove(repository: string, tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    return this.opts.publisher.exclusive(async () => {
      let deleted = 0;
      for (const tag of tags) {
        const digest = await this.opts.api.manifestDigest(repository, tag);
        if (!digest) continue;
        await this.opts.api.deleteManifest(repository, digest);
        deleted++;
      }
      this.opts.publisher.forget(repository, tags);
      await this.opts.garbageCollect();
      this.opts.logger.info('registry-images-deleted', { repository, tags: tags.length, manifests: deleted });
      return deleted;
    });
  }
}
