// Puts an image built on Berth's own engine into Berth's registry, so every swarm node can pull
// it: tagged <registry>/<repository>:<tag> and pushed once per image id. Pushes and the registry's
// garbage collection take turns (exclusive): the sweep would delete a layer a push just uploaded.
import type Docker from 'dockerode';

export class ImagePublisher {
  /** Image id → registry reference, for images already pushed by this process. */
  private readonly pushed = new Map<string, Promise<string>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Set while an exclusive task (a garbage collection) runs: pushes wait for it. */
  private barrier: Promise<unknown> | undefined;

  constructor(private readonly local: Docker, readonly registry: string) {}

  /** The registry reference of a local image (a 404 from the engine when there is no such image). */
  async publish(localRef: string): Promise<string> {
    const info = await this.local.getImage(localRef).inspect();
    let pending = this.pushed.get(info.Id);
    if (!pending) {
      pending = this.afterBarrier(() => this.push(localRef, info.Id));
      pending.catch(() => this.pushed.delete(info.Id));
      this.pushed.set(info.Id, pending);
    }
    return pending;
  }

  /** Where a local image goes in the registry: its repository and the tag its image id gives. */
  async destinationOf(localRef: string): Promise<{ repository: string; tag: string }> {
    const info = await this.local.getImage(localRef).inspect();
    return { repository: repositoryOf(localRef), tag: tagOf(info.Id) };
  }

  /** Forgets that images were pushed (their manifests were deleted from the registry): the next publish pushes again. */
  forget(repository: string, tags: readonly string[]): void {
    const refs = new Set(tags.map((t) => `${this.registry}/${repository}:${t}`));
    for (const [id, pending] of this.pushed) void pending.then((ref) => { if (refs.has(ref)) this.pushed.delete(id); }, () => undefined);
  }

  /** Runs task once no push is in flight, and holds new pushes back until it ends. */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.barrier) await this.barrier.catch(() => undefined);
    const run = (async () => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      return task();
    })();
    this.barrier = run;
    try {
      return await run;
    } finally {
      this.barrier = undefined;
    }
  }

  private async afterBarrier<T>(push: () => Promise<T>): Promise<T> {
    while (this.barrier) await this.barrier.catch(() => undefined);
    const pending = push();
    this.inFlight.add(pending);
    try {
      return await pending;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  private async push(localRef: string, id: string): Promise<string> {
    // The tag is the image id, so a reference names exactly one image whatever the local tag did since.
    const repo = `${this.registry}/${repositoryOf(localRef)}`;
    const tag = tagOf(id);
    await this.local.getImage(localRef).tag({ repo, tag });
    // The engine insists on an X-Registry-Auth header even for a registry that asks for no password.
    const stream = (await this.local.getImage(`${repo}:${tag}`).push({ authconfig: { serveraddress: this.registry } })) as unknown as NodeJS.ReadableStream;
    // A failed push reports its error inside the progress stream, not as an HTTP status.
    await new Promise<void>((resolve, reject) => this.local.modem.followProgress(stream, (e: Error | null, output: Array<{ error?: string }>) => {
      const failure = e ?? output.find((o) => o.error);
      if (failure) reject(failure instanceof Error ? failure : new Error(`push of ${repo}:${tag} failed: ${failure.error}`));
      else resolve();
    }));
    return `${repo}:${tag}`;
  }
}

const tagOf = (imageId: string): string => imageId.replace(/^sha256:/, '').slice(0, 32);

/** `berth-app/demo:abc` → `berth-app/demo`; a registry host in the reference is dropped. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const lastColon = noDigest.lastIndexOf(':');
  const name = lastColon > noDigest.lastIndexOf('/') ? noDigest.slice(0, lastColon) : noDigest;
  const parts = name.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  return parts.join('/').toLowerCase();
}
