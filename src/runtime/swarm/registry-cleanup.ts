// Deletes from Berth's registry what the builder deletes on Berth's engine: an app's images no kept
// release uses (at each deploy's prune) and every image of a destroyed app. The manifests go
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
   * Deletes the registry's copies of these local images (read while they are still on the engine:
   * the tag comes from the image id), except one a kept image shares (the same image released
   * twice has one tag). An image no longer on the engine was dealt with when it left. How many
   * manifests were deleted.
   */
  async removeImages(localRefs: Iterable<string>, keepRefs: Iterable<string>): Promise<number> {
    const keep = new Set<string>();
    for (const ref of keepRefs) {
      const d = await this.destinationOf(ref);
      if (d) keep.add(`${d.repository}:${d.tag}`);
    }
    const byRepository = new Map<string, Set<string>>();
    for (const ref of localRefs) {
      const d = await this.destinationOf(ref);
      if (!d || keep.has(`${d.repository}:${d.tag}`)) continue;
      byRepository.set(d.repository, (byRepository.get(d.repository) ?? new Set()).add(d.tag));
    }
    let deleted = 0;
    for (const [repository, tags] of byRepository) deleted += await this.remove(repository, [...tags]);
    return deleted;
  }

  private async destinationOf(ref: string): Promise<{ repository: string; tag: string } | undefined> {
    return this.opts.publisher.destinationOf(ref).catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
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
