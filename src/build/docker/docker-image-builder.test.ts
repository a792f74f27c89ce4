// The image builder against a real engine: releasing existing images and pruning old ones.
// (Buildpack and Dockerfile builds are exercised end to end in test/e2e/docker-platform.test.ts.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import Docker from 'dockerode';
import { silentLogger } from '../../platform/logger.js';
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
  });

  it('releases an existing image under its own tag, with web from its command', async () => {
    const lines: string[] = [];
    const built = await builder.fromImage({ appId: 'a', appName: APP, buildId: 'b1', image: STACK_IMAGE, log: (l) => lines.push(l) });
    expect(built.location).toBe(`${repo}:b1`);
    expect(built.processTypes).toEqual({}); // the stack has no CMD of its own
    expect(lines.join('\n')).toContain(`Releasing image ${STACK_IMAGE}`);
    await expect(builder.fromImage({ appId: 'a', appName: APP, buildId: 'b2', image: 'no-such-image:1', log: () => {} }))
      .rejects.toMatchObject({ code: 'invalid_params' });
  });

  it('prunes the app images no kept release uses, and only those', async () => {
    for (const tag of ['old1', 'old2', 'kept']) await docker.getImage(STACK_IMAGE).tag({ repo, tag });
    await builder.prune('a', APP, new Set([`${repo}:kept`, `${repo}:b1`]));
    expect(await tags()).toEqual([`${repo}:b1`, `${repo}:kept`]);
    expect(await docker.getImage(STACK_IMAGE).inspect()).toBeTruthy();
  });
});
