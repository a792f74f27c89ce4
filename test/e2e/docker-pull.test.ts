// Dockerfile base images a registry serves: the test starts Debian's docker-registry on loopback
// (once open, once behind htpasswd, over one storage), pushes an image it built from the stack,
// removes it from the engine, then deploys apps whose Dockerfile starts FROM it. Berth pulls it
// (with the operator's docker login credentials where the registry asks), and says which image,
// which registry and what to do when no registry answers.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/cli-harness.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';
import { buildDist, Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerRegistry, TestRegistry } from '../support/test-registry.js';
import { STACK_IMAGE } from '../../src/build/docker/stack-image.js';

const docker = new Docker();
const REPO = `berth-pull-test-${process.pid}`;
const USER = { name: 'berth-ci', password: 'pull-secret' };
const bothDeps = { ...dockerEngine, check: () => dockerEngine.check() ?? dockerRegistry.check(), install: `${dockerEngine.install}; ${dockerRegistry.install}` };

/** Follows an engine progress stream to its end, failing on an `error` event. */
function finished(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
}

describeWith(bothDeps, 'Dockerfile base images pulled from a registry (docker runtime)', () => {
  let work: string;
  let open: TestRegistry;
  let guarded: TestRegistry;
  let p: Platform;
  let dockerConfig: string;
  const pulledRefs: string[] = [];

  /** A copy of the fixture whose Dockerfile starts FROM base. */
  const appFrom = async (base: string) => {
    const dir = await p.copyFixture('dockerfile-pulled-base');
    await writeFile(join(dir, 'Dockerfile'), `# the base image comes from a registry\nFROM ${base}\nCOPY --chown=dyno:dyno server.js /app/server.js\nCMD ["node", "server.js"]\n`);
    return dir;
  };
  const onEngine = (ref: string) => docker.getImage(ref).inspect().then(() => true, () => false);

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    work = await mkdtemp(join(tmpdir(), 'berth-pull-'));
    const storage = join(work, 'storage');
    open = await TestRegistry.start(join(work, 'open'), storage);
    guarded = await TestRegistry.start(join(work, 'guarded'), storage, USER);
    // The base image: the stack plus a file of its own, so one layer really comes over the wire.
    const maker = await docker.createContainer({ Image: STACK_IMAGE, User: 'root', Cmd: ['sh', '-c', 'echo "base layer from the registry" > /base-image.txt'] });
    try {
      await maker.start();
      await maker.wait();
      await maker.commit({ repo: `${open.address}/${REPO}`, tag: '1' });
    } finally {
      await maker.remove({ force: true });
    }
    const pushed = docker.getImage(`${open.address}/${REPO}:1`);
    await finished((await pushed.push({ authconfig: { serveraddress: open.address } })) as NodeJS.ReadableStream);
    // Gone from the engine, its own layer with it: only the registry has it now.
    await docker.getImage((await pushed.inspect()).Id).remove({ force: true });
    dockerConfig = join(work, 'docker-config.json');
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30', BERTH_DOCKER_CONFIG: dockerConfig });
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    try {
      if (p) {
        for (const a of (await p.ok('GET', '/apps')) as { name: string }[]) await p.ok('DELETE', `/apps/${a.name}`);
        const scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
        await waitFor(async () => (await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })).length === 0, 30_000, 'the apps’ containers to go');
        await p.stop();
      }
    } finally {
      for (const ref of pulledRefs) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
      // A destroyed app's images go in the server's background retries, which may not outlive its stop.
      for (const image of await docker.listImages({ filters: { reference: ['berth-app/pull-*'] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
      open?.stop();
      guarded?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    }
  }, 120_000);

  it('pulls a missing FROM image from the registry it names, summarises the pull, and runs the app', async () => {
    const base = `${open.address}/${REPO}:1`;
    pulledRefs.push(base);
    expect(await onEngine(base)).toBe(false);
    await p.createApp('pull-open');
    const { output } = await p.deployOk('pull-open', await appFrom(base), 'v1');
    expect(output).toContain(`Pulling ${base} (Dockerfile line 2) from ${open.address}`);
    expect(output).toMatch(/\d+ layers, \d+ already on the engine; downloading 1\.\.\./);
    expect(output).toMatch(new RegExp(`pulled ${base.replace(/[.]/g, '\\.')} \\(sha256:[0-9a-f]{64}\\): 1 layer downloaded`));
    // A few lines for the pull, not one per layer event.
    const pullLines = output.split('\n').filter((l) => /layer|pulled |Pulling |Downloading|Extracting/.test(l));
    expect(pullLines.length).toBeLessThanOrEqual(3);
    expect(await onEngine(base)).toBe(true);
    expect((await p.get('pull-open', '/')).text).toContain('Hello from dockerfile-pulled-base (base layer from the registry)');
  }, 300_000);

  it('pulls from a registry that asks for a password with the docker login credentials, and says to log in without them', async () => {
    const base = `${guarded.address}/${REPO}:1`;
    pulledRefs.push(base);
    await p.createApp('pull-guarded');
    const refused = await p.deploy('pull-guarded', await appFrom(base), 'v1');
    expect(refused.build.status).toBe('failed');
    expect(refused.output).toContain(`Dockerfile line 2: cannot pull the image ${base} from ${guarded.address}:`);
    expect(refused.output).toContain('no basic auth credentials');
    expect(refused.output).toContain(`\`docker login ${guarded.address}\` as the user running Berth (Berth reads ${dockerConfig})`);
    expect(await onEngine(base)).toBe(false);

    // What `docker login` writes; read at the next build, no restart.
    const auth = Buffer.from(`${USER.name}:${USER.password}`).toString('base64');
    await writeFile(dockerConfig, JSON.stringify({ auths: { [guarded.address]: { auth } } }));
    const { output } = await p.deployOk('pull-guarded', await appFrom(base), 'v2');
    expect(output).toContain(`with the credentials for ${guarded.address} in ${dockerConfig}`);
    expect(output).toMatch(/pulled \S+ \(sha256:[0-9a-f]{64}\)/);
    expect((await p.get('pull-guarded', '/')).text).toContain('base layer from the registry');
  }, 300_000);

  it('fails the build with the image, the registry, the engine’s error and the remedies when no registry answers', async () => {
    const silent = `127.0.0.1:${await freePort()}`;
    await p.createApp('pull-silent');
    const { build, output } = await p.deploy('pull-silent', await appFrom(`${silent}/nothing:1`), 'v1');
    expect(build.status).toBe('failed');
    expect(output).toContain(`Dockerfile line 2: cannot pull the image ${silent}/nothing:1 from ${silent}:`);
    expect(output).toContain('connection refused');
    expect(output).toContain('`docker load` here');
    expect(output).toContain(`\`docker login ${silent}\``);
  }, 120_000);
});
