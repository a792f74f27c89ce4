// Registry garbage collection against the real registry (Debian's docker-registry) and the host's
// engine: two images pushed, one no longer kept → its manifest is gone, its layers too, the kept one
// still pulls; a destroyed app's repository is emptied.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { followProgress } from '../../build/docker/engine-progress.js';
import { packFiles } from '../../build/docker/pack-files.js';
import { silentLogger } from '../../platform/logger.js';
import { freePort } from '../../../test/support/cli-harness.js';
import { dockerEngine } from '../../../test/support/docker-engine.js';
import { describeWith, type Dependency } from '../../../test/support/require-dependency.js';
import { pullOn } from '../../../test/support/swarm-cluster.js';
import { ImagePublisher } from './image-publisher.js';
import { ImageRegistry, REGISTRY_BIN } from './image-registry.js';
import { RegistryApi } from './registry-api.js';
import { RegistryCleanup } from './registry-cleanup.js';

const registryAndEngine: Dependency = {
  name: "a Docker engine and Debian's docker-registry",
  check: () => dockerEngine.check() ?? (existsSync(REGISTRY_BIN) ? undefined : `${REGISTRY_BIN} not found`),
  install: 'bash scripts/install-test-deps.sh (installs docker.io and docker-registry)',
};

describeWith(registryAndEngine, 'registry cleanup', () => {
  const docker = new Docker();
  const id = randomBytes(4).toString('hex');
  const repository = `berth-test/gc-${id}`;
  let dir: string;
  let registry: ImageRegistry;
  let trust: string;
  let publisher: ImagePublisher;
  let api: RegistryApi;
  let cleanup: RegistryCleanup;

  /** A tiny image of one file (FROM scratch: nothing to pull), so each has a layer of its own. */
  async function image(tag: string, text: string): Promise<string> {
    const ref = `${repository}:${tag}`;
    await followProgress(await docker.buildImage(packFiles({ Dockerfile: 'FROM scratch\nCOPY f /f\n', f: text }), { t: ref, rm: true }), () => {});
    return ref;
  }

  /** Layers, configs and manifests the registry stores. */
  async function blobCount(): Promise<number> {
    const root = join(dir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256');
    let n = 0;
    for (const prefix of await readdir(root).catch(() => [] as string[])) n += (await readdir(join(root, prefix))).length;
    return n;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-registry-gc-'));
    registry = await ImageRegistry.start({ dir, host: '127.0.0.1', port: await freePort() });
    // The engine pushes over verified TLS, as it does to a swarm's registry.
    trust = join('/etc/docker/certs.d', registry.address);
    await mkdir(trust, { recursive: true });
    await writeFile(join(trust, 'ca.crt'), registry.caCertificate);
    publisher = new ImagePublisher(docker, registry.address);
    api = new RegistryApi(registry.address, registry.caCertificate);
    cleanup = new RegistryCleanup({ publisher, api, garbageCollect: () => registry.garbageCollect(), logger: silentLogger });
  }, 60_000);

  afterAll(async () => {
    registry?.stop();
    for (const img of await docker.listImages({ filters: { reference: [repository, `${registry?.address}/${repository}`] } })) {
      await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
    }
    if (trust) await rm(trust, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("deletes the manifest and layers of an image no kept release uses, and keeps the kept one pullable", async () => {
    const [kept, old] = [await image('kept', `kept ${id}`), await image('old', `old ${id}`)];
    const [keptRef, oldRef] = [await publisher.publish(kept), await publisher.publish(old)];
    const [keptTag, oldTag] = [keptRef.split(':').at(-1)!, oldRef.split(':').at(-1)!];
    expect((await api.tags(repository)).sort()).toEqual([keptTag, oldTag].sort());
    const before = await blobCount();

    // The same image as the kept one under another tag (released twice): one registry tag, kept.
    const twin = `${repository}:twin`;
    await docker.getImage(kept).tag({ repo: repository, tag: 'twin' });
    expect(await cleanup.removeImages([old, twin], [kept])).toBe(1);

    expect(await api.tags(repository)).toEqual([keptTag]);
    expect(await api.manifestDigest(repository, oldTag)).toBeUndefined();
    // The old image's own layer, its config and its manifest are swept; the kept one's stay.
    expect(await blobCount()).toBe(before - 3);
    await docker.getImage(keptRef).remove();
    await pullOn(docker, keptRef);
    // Published again, a deleted image is pushed again (not taken as still there).
    expect(await publisher.publish(old)).toBe(oldRef);
    expect(await api.tags(repository)).toContain(oldTag);
  }, 120_000);

  it("deletes every image of a destroyed app; one no longer on the engine is passed over", async () => {
    expect(await cleanup.removeImages([`${repository}:kept`, `${repository}:old`, `${repository}:never-built`], [])).toBe(2);
    expect(await api.tags(repository)).toEqual([]);
    expect(await blobCount()).toBe(0);
  }, 120_000);
});
