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

describeWith(dockerEngine, "a Dockerfile build's images belong to its app", () => {
  const [A, B] = [`${APP}-a`, `${APP}-b`];
  const builder = new DockerImageBuilder(docker, silentLogger);

  /**
   * A build whose output's image ids are resolved to full ids at once (as a tenant reading them
   * would); `made` leaves out the base image each FROM step shows first.
   */
  const buildAs = async (appId: string, appName: string, buildId: string, dockerfile: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-dfstages-'));
    dirs.push(dir);
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    const lines: string[] = [];
    const shown: Promise<string | undefined>[] = [];
    const made: Promise<string | undefined>[] = [];
    let step = '';
    const result = await builder.build({
      appId, appName, buildId, sourceDir: dir, env: {}, buildpacks: [],
      log: (l) => {
        lines.push(l);
        if (/Step \d+\/\d+ : /.test(l)) step = l;
        const id = /---> ([0-9a-f]{12})$/.exec(l)?.[1];
        if (!id) return;
        const full = docker.getImage(id).inspect().then((i) => i.Id, () => undefined);
        shown.push(full);
        if (!/ : FROM /.test(step)) made.push(full);
        step = '';
      },
    }).catch((e: Error) => e);
    const resolved = async (ids: Promise<string | undefined>[]) => (await Promise.all(ids)).filter((i): i is string => !!i);
    return { result, output: lines.join('\n'), shown: await resolved(shown), made: await resolved(made) };
  };
  const built = (r: unknown) => {
    if (r instanceof Error) throw r;
    return r as { location: string };
  };
  const exists = (ref: string) => docker.getImage(ref).inspect().then(() => true, () => false);
  /** What `cat path` prints in a container of the image. */
  const readInImage = async (image: string, path: string) => {
    const container = await docker.createContainer({ Image: image, Cmd: ['cat', path], User: '1000:1000' });
    try {
      await container.start();
      await container.wait();
      return ((await container.logs({ stdout: true })) as unknown as Buffer).subarray(8).toString().trim();
    } finally {
      await container.remove({ force: true });
    }
  };

  beforeAll(() => stackImageReady(), STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    const refs = (await docker.listImages({ filters: { reference: [`berth-app/${APP}-*`] } })).flatMap((i) => i.RepoTags ?? []);
    for (const ref of refs) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
  });

  it("another app cannot release any image of A's multi-stage build, by full id or prefix, and no stage image is left unowned", async () => {
    const { result, output, shown, made } = await buildAs('tenant-a', A, 'b1', [
      `FROM ${STACK_IMAGE} AS build`,
      'RUN head -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n" > /secret.txt',
      'COPY hello.txt /hello.txt',
      `FROM ${STACK_IMAGE}`,
      'COPY --from=build /hello.txt /app/hello.txt',
      'RUN echo final > /app/final.txt',
      'CMD ["cat", "/app/hello.txt"]',
      '',
    ].join('\n'));
    const image = built(result).location;
    expect(image).toBe(`berth-app/${A}:b1`);
    expect(made.length, output).toBeGreaterThanOrEqual(6);
    const final = (await docker.getImage(image).inspect()).Id;
    const lineage = new Set((await docker.getImage(final).history()).map((l: { Id: string }) => String(l.Id)));

    for (const id of shown) {
      const hex = id.replace(/^sha256:/, '');
      for (const ref of [id, hex, hex.slice(0, 12), hex.slice(0, 8), `sha256:${hex.slice(0, 12)}`]) {
        await expect(builder.fromImage({ appId: 'tenant-b', appName: B, buildId: 'stolen', image: ref, log: () => {} }), ref)
          .rejects.toMatchObject({ code: 'invalid_params' });
      }
    }
    // Every image the build made is gone, or is A's image or one of its parents (removed with it).
    const left = [];
    for (const id of made) if ((await exists(id)) && !lineage.has(id)) left.push(id);
    expect(left).toEqual([]);
    // The build stage's images (the secret's among them) are not A's image's parents: all gone.
    expect(made.filter((id) => !lineage.has(id)).length).toBeGreaterThanOrEqual(2);
    expect(await exists(`berth-app/${B}:stolen`)).toBe(false);
    // A itself may release its own image again by its full id (a rollback by image).
    const again = await builder.fromImage({ appId: 'tenant-a', appName: A, buildId: 'b2', image: final, log: () => {} });
    expect(again.location).toBe(`berth-app/${A}:b2`);
  }, 180_000);

  it("removes the images a base's ONBUILD triggers made in an earlier stage", async () => {
    const base = `berth-app/${A}:with-trigger`;
    const baseId = `sha256:${await commitImage(base, 'tenant-a', ['ONBUILD RUN echo one > /one', 'ONBUILD RUN echo two > /two'])}`;
    const { result, output } = await buildAs('tenant-a', A, 'o1', `FROM ${base} AS triggered\nRUN echo three > /three\nFROM ${STACK_IMAGE}\nCOPY --from=triggered /two /app/two\n`);
    expect(output).toMatch(/Executing 2 build trigger/);
    built(result);
    const children = (await docker.listImages({ all: true })).filter((i) => i.ParentId === baseId);
    expect(children).toEqual([]);
  }, 120_000);

  it('a failed build leaves none of the images it made', async () => {
    const { result, output, made } = await buildAs('tenant-a', A, 'f1', `FROM ${STACK_IMAGE} AS build\nRUN echo secret > /secret.txt\nFROM ${STACK_IMAGE}\nRUN echo made > /made.txt\nRUN exit 3\n`);
    expect(result).toMatchObject({ code: 'build_failed' });
    expect(made.length, output).toBeGreaterThanOrEqual(2);
    for (const id of made) expect(await exists(id), id).toBe(false);
  }, 120_000);

  it("B's identical Dockerfile is not served A's cached layers; A's own rebuild is", async () => {
    const dockerfile = `FROM ${STACK_IMAGE}\nRUN head -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n" > /token\nCMD ["cat", "/token"]\n`;
    const first = await buildAs('tenant-a', A, 'c1', dockerfile);
    const rebuilt = await buildAs('tenant-a', A, 'c2', dockerfile);
    expect(rebuilt.output).toContain('Using cache');
    const other = await buildAs('tenant-b', B, 'c1', dockerfile);
    expect(other.output).not.toContain('Using cache');
    const tokenA = await readInImage(built(first.result).location, '/token');
    expect(tokenA).toMatch(/^[0-9a-f]{32}$/);
    expect(await readInImage(built(rebuilt.result).location, '/token')).toBe(tokenA);
    expect(await readInImage(built(other.result).location, '/token')).not.toBe(tokenA);
  }, 180_000);
});
