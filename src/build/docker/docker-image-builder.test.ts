// The image builder against a real engine: releasing existing images and pruning old ones.
// (Buildpack and Dockerfile builds are exercised end to end in test/e2e/docker-platform.test.ts.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { silentLogger } from '../../platform/logger.js';
import { buildDist, ROOT } from '../../../test/support/cli-harness.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { DockerImageBuilder } from './docker-image-builder.js';
import { STACK_IMAGE } from './stack-image.js';

const docker = new Docker();
const APP = `prune-test-${process.pid}`;
const repo = `berth-app/${APP}`;

const tags = async () => (await docker.listImages({ filters: { reference: [repo] } })).flatMap((i) => i.RepoTags ?? []).sort();

describeWith(dockerEngine, 'DockerImageBuilder', () => {
  const builder = new DockerImageBuilder(docker, silentLogger);

  beforeAll(() => stackImageReady(), STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const tag of await tags()) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    // The app's build cache volume goes as it does when an app is destroyed.
    await builder.forgetApp('a', [], 0, 1);
  });

  it('releases an existing image under its own tag, with web from its command', async () => {
    const lines: string[] = [];
    const built = await builder.fromImage({ appId: 'a', appName: APP, buildId: 'b1', image: STACK_IMAGE, log: (l) => lines.push(l) });
    expect(built.location).toBe(`${repo}:b1`);
    expect(built.processTypes).toEqual({}); // the stack has no CMD of its own
    expect(lines.join('\n')).toContain(`Releasing image ${STACK_IMAGE}`);
    await expect(builder.fromImage({ appId: 'a', appName: APP, buildId: 'b2', image: 'no-such-image:1', log: () => {} }))
      .rejects.toMatchObject({ code: 'invalid_params' });
    // An operator's image is released by the name it was given, never by its id: by id, unnamed
    // images (every Dockerfile build's stages) would be reachable too.
    const stackId = (await docker.getImage(STACK_IMAGE).inspect()).Id;
    for (const image of [stackId, stackId.slice(7)]) {
      await expect(builder.fromImage({ appId: 'a', appName: APP, buildId: 'b3', image, log: () => {} }))
        .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('has no image') });
    }
  });

  it("fails a buildpack build with the build's own reason, which it does not print (the deploy pipeline says it once)", async () => {
    // A buildpack build runs Berth's compiled entry point in the container: the builder from dist/.
    buildDist();
    const compiled = (await import(pathToFileURL(path.join(ROOT, 'dist/build/docker/docker-image-builder.js')).href)) as { DockerImageBuilder: typeof DockerImageBuilder };
    const lines: string[] = [];
    const failing = new compiled.DockerImageBuilder(docker, silentLogger).build({
      appId: 'a', appName: APP, buildId: 'fails', sourceDir: path.join(ROOT, 'test/fixtures/apps/failing-build'),
      env: {}, buildpacks: [], log: (l) => lines.push(l),
    });
    await expect(failing).rejects.toThrow(/The "build" script failed/);
    expect(lines).toContain('       failing-build: the build script failed on purpose');
    expect(lines.filter((l) => l.startsWith(' !'))).toEqual([]);
  }, 180_000);

  it("refuses another app's image, even by a short id prefix, as if it did not exist", async () => {
    const other = `berth-app/${APP}-other`;
    const container = await docker.createContainer({ Image: STACK_IMAGE, Cmd: ['true'], Labels: { 'berth.app-id': 'other-app' } });
    try {
      await container.commit({ repo: other, tag: 'b1' });
    } finally {
      await container.remove({ force: true });
    }
    try {
      const id = (await docker.getImage(`${other}:b1`).inspect()).Id;
      for (const image of [`${other}:b1`, id]) {
        await expect(builder.fromImage({ appId: 'a', appName: APP, buildId: 'stolen', image, log: () => {} }))
          .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('has no image') });
      }
      // A prefix names whatever the engine matches: refused before the engine is asked.
      await expect(builder.fromImage({ appId: 'a', appName: APP, buildId: 'stolen', image: id.slice(7, 19), log: () => {} }))
        .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('looks like a short image id') });
      expect(await tags()).not.toContain(`${repo}:stolen`);
      // Its own app may release it again by its full id (e.g. a rollback by image), never by a prefix.
      await expect(builder.fromImage({ appId: 'other-app', appName: `${APP}-other`, buildId: 'b3', image: id.slice(7, 19), log: () => {} }))
        .rejects.toMatchObject({ code: 'invalid_params' });
      const own = await builder.fromImage({ appId: 'other-app', appName: `${APP}-other`, buildId: 'b2', image: id, log: () => {} });
      expect(own.location).toBe(`${other}:b2`);
    } finally {
      for (const tag of ['b1', 'b2']) await docker.getImage(`${other}:${tag}`).remove({ force: true }).catch(() => undefined);
    }
  });

  it('prunes the images it is told to and no other, never one a kept release names, and takes one already gone as pruned', async () => {
    for (const tag of ['old1', 'old2', 'kept']) await docker.getImage(STACK_IMAGE).tag({ repo, tag });
    const remove = new Set([`${repo}:old1`, `${repo}:kept`, `${repo}:gone-already`]);
    await builder.prune('a', { remove, keep: new Set([`${repo}:kept`, `${repo}:b1`]) });
    expect(await tags()).toEqual([`${repo}:b1`, `${repo}:kept`, `${repo}:old2`]);
    expect(await docker.getImage(STACK_IMAGE).inspect()).toBeTruthy();
  });

  it("forgets a destroyed app's tag of an image it released as is, and leaves the image under its own name", async () => {
    const released = await builder.fromImage({ appId: 'released-app', appName: `${APP}-rel`, buildId: 'r1', image: STACK_IMAGE, log: () => {} });
    // The released image carries the stack's labels, not the app's: only the store's record names it.
    await builder.forgetApp('released-app', [released.location, STACK_IMAGE], 0, 1);
    await expect(docker.getImage(released.location).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await docker.getImage(STACK_IMAGE).inspect()).toBeTruthy();
  });
});

