// Dockerfile builds on a real engine may read the stack and the app's own images, never
// another app's: not by tag, not by an id prefix, not through ARG defaults or ONBUILD triggers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import Docker from 'dockerode';
import { silentLogger } from '../../platform/logger.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { DockerImageBuilder } from './docker-image-builder.js';
import { STACK_IMAGE } from './stack-image.js';

const docker = new Docker();
const APP = `dfcheck-${process.pid}`;
const OTHER = `berth-app/${APP}-other:b1`;
const MINE = `berth-app/${APP}:base`;
const TRAP = `berth-app/${APP}:trap`;
const dirs: string[] = [];

/** An image committed from the stack with the given app label and Dockerfile-style changes. */
async function commitImage(ref: string, appId: string, changes: string[] = []): Promise<string> {
  const container = await docker.createContainer({ Image: STACK_IMAGE, Cmd: ['true'], Labels: { 'berth.app-id': appId } });
  try {
    const [repo, tag] = ref.split(':') as [string, string];
    await container.commit({ repo, tag, changes });
  } finally {
    await container.remove({ force: true });
  }
  return (await docker.getImage(ref).inspect()).Id.replace(/^sha256:/, '');
}

describeWith(dockerEngine, 'Dockerfile builds and other apps’ images', () => {
  const builder = new DockerImageBuilder(docker, silentLogger);
  let otherId = '';

  const build = async (buildId: string, dockerfile: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-dfcheck-'));
    dirs.push(dir);
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    const lines: string[] = [];
    return builder.build({ appId: 'mine', appName: APP, buildId, sourceDir: dir, env: {}, buildpacks: [], log: (l) => lines.push(l) });
  };
  /** The build's error message; a build that succeeds fails the test's message checks. */
  const refusal = (buildId: string, dockerfile: string) => build(buildId, dockerfile).then(() => 'built', (e: Error) => e.message);
  const built = async (buildId: string) => (await docker.listImages({ filters: { reference: [`berth-app/${APP}:${buildId}`] } })).length > 0;

  beforeAll(async () => {
    await stackImageReady();
    otherId = await commitImage(OTHER, 'other-app');
    await commitImage(MINE, 'mine');
    // The app's own earlier image, carrying a trigger that would read the other app's image.
    await commitImage(TRAP, 'mine', [`ONBUILD COPY --from=${OTHER} /etc/hostname /stolen`]);
  }, STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const refs = (await docker.listImages({ filters: { reference: [`berth-app/${APP}*`] } })).flatMap((i) => i.RepoTags ?? []);
    for (const ref of [...refs, OTHER]) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
  });

  it('refuses FROM by an id prefix, even of an image the app could use, and builds nothing', async () => {
    await expect(build('p1', `FROM ${otherId.slice(0, 3)}\n`)).rejects.toMatchObject({ code: 'build_failed', message: expect.stringContaining('refer to base images by name') });
    const stackId = (await docker.getImage(STACK_IMAGE).inspect()).Id.replace(/^sha256:/, '');
    await expect(build('p2', `# escape=\`\nFROM berth/stack:24\nCOPY --from=${stackId.slice(0, 12)} /etc/hostname /x\n`)).rejects.toThrow(/line 3: COPY --from \w+ looks like an image id/);
    expect(await built('p1')).toBe(false);
    expect(await built('p2')).toBe(false);
  });

  it("answers another app's image exactly as a missing one, however it is named", async () => {
    const missing = await refusal('m0', 'FROM berth/stack:24\nCOPY --from=berth-app/nobody:b1 /etc/hostname /x\n');
    expect(missing).toBe('Dockerfile line 2: the Docker engine has no image berth-app/nobody:b1; build or load it there first.');
    const stolen = [
      `FROM berth/stack:24\nCOPY --from=${OTHER} /etc/hostname /x\n`,
      `ARG BASE=${OTHER}\nFROM berth/stack:24\ncopy \\\n  --from=${OTHER} /etc/hostname /x\n`,
      `ARG BASE=${OTHER.split(':')[0]}\nFROM \${BASE}:b1 AS s\nFROM berth/stack:24\nCOPY --from=s / /x\n`,
      `FROM sha256:${otherId}\n`,
    ];
    for (const [i, dockerfile] of stolen.entries()) {
      const message = await refusal(`s${i}`, dockerfile);
      expect(message).toMatch(/^Dockerfile line \d: the Docker engine has no image \S+; build or load it there first\.$/);
      expect(message.replace(/line \d: /, '').replace(/image \S+;/, 'image X;')).toBe(missing.replace(/line \d: /, '').replace(/image \S+;/, 'image X;'));
      expect(await built(`s${i}`)).toBe(false);
    }
  });

  it("refuses a base whose ONBUILD trigger reads another app's image", async () => {
    await expect(build('t1', `FROM ${TRAP}\n`)).rejects.toThrow(`Dockerfile line 1: the Docker engine has no image ${OTHER}`);
    expect(await built('t1')).toBe(false);
  });

  it("builds from the stack, the app's own images and earlier stages", async () => {
    const result = await build('ok', `FROM ${STACK_IMAGE} AS first\nCOPY hello.txt /hello.txt\nFROM ${STACK_IMAGE}\nCOPY --from=${MINE} /etc/hostname /own\nCOPY --from=first /hello.txt /app/hello.txt\nCMD ["cat", "/app/hello.txt"]\n`);
    expect(result.location).toBe(`berth-app/${APP}:ok`);
    expect(result.processTypes).toEqual({ web: expect.stringContaining('/app/hello.txt') });
    expect(await built('ok')).toBe(true);
  }, 120_000);
});
