// The whole platform on the docker runtime: real `berth server` with BERTH_RUNTIME=docker, real
// fixture apps built into images (buildpacks inside a stack container, or their own Dockerfile),
// served through the router from hardened containers; scale, crash-restart, config, rollback,
// restart adoption and image releases behave as on the local runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { berth, ROOT } from '../support/cli-harness.js';
import { checkAttachedRun, checkDetachedRun } from '../support/one-off-checks.js';
import { buildDist, fixture, Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';

const docker = new Docker();

/** Whatever a failed run left on the engine: containers and networks of the scope, the apps' images. */
async function removeLeftovers(scope: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { name: ['berth-dh-'] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  for (const image of await docker.listImages({ filters: { reference: ['berth-app/dh-*'] } })) {
    for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }
}

describeWith(dockerEngine, 'platform on the docker runtime', () => {
  let p: Platform;
  let scope: string;

  /** `npx berth …` as the README runs it: from the checkout, as the admin. */
  const cli = (args: string[], timeoutMs?: number) =>
    berth(args, { home: p.home, apiUrl: p.apiUrl, cwd: ROOT, env: { BERTH_API_KEY: p.token }, timeoutMs });

  /** The containers this server's runtime runs (its scope is derived from BERTH_HOME). */
  const containers = (app?: string) => docker.listContainers({
    all: true,
    filters: { label: [`berth.scope=${scope}`, ...(app ? [`berth.app-name=${app}`] : [])] },
  });

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
    scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (!p) return;
    let gone = false;
    try {
      // Destroying the apps must remove their containers while the server still runs.
      for (const a of (await p.ok('GET', '/apps')) as { name: string }[]) await p.ok('DELETE', `/apps/${a.name}`);
      gone = await waitFor(async () => (await containers()).length === 0, 30_000, 'every container to be removed');
    } finally {
      await p.stop();
      await removeLeftovers(scope);
    }
    expect(gone).toBe(true);
  }, 90_000);

  it('deploys node-hello: built in a stack container into an image, served from a hardened container', async () => {
    await p.createApp('dh-node');
    const { output } = await p.deployOk('dh-node', fixture('node-hello'), 'v1');
    expect(output).toContain('Node.js app detected');
    expect(output).toMatch(/Image berth-app\/dh-node:[0-9a-f-]{36}/);
    expect(output).toContain('Released v1: live');
    expect((await p.get('dh-node', '/')).text).toContain('Hello from node-hello');
    const [container] = await containers('dh-node');
    expect(container?.Image).toMatch(/^berth-app\/dh-node:/);
    expect(container?.Labels).toMatchObject({ 'berth.process-type': 'web', 'berth.index': '1', 'berth.release-version': '1', 'berth.dyno': 'web.1' });
    const info = await docker.getContainer(container!.Id).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] });
  }, 300_000);

  it('deploys an app from its Dockerfile with the README\'s `npx berth deploy test/fixtures/apps/dockerfile-hello -a …`', async () => {
    await p.createApp('dh-dockerfile');
    const r = await cli(['deploy', 'test/fixtures/apps/dockerfile-hello', '-a', 'dh-dockerfile'], 170_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Dockerfile detected');
    expect(r.stdout).toContain('Released v1: live');
    expect((await p.get('dh-dockerfile', '/')).text).toContain('Hello from dockerfile-hello (built by docker) on web.1');
  }, 180_000);

  it('runs the release phase in a container whose writable /app is not kept', async () => {
    await p.createApp('dh-release');
    const { output } = await p.deployOk('dh-release', fixture('release-phase'), 'v1');
    const ran = output.indexOf('release-phase: wrote /app/release-output.txt');
    expect(ran, output).toBeGreaterThan(-1);
    expect(ran).toBeLessThan(output.indexOf('-----> Released v1'));
    expect((await p.get('dh-release', '/')).text).toContain('release output missing');
  }, 120_000);

  it('releases an image already on the engine (deploy --image), but never another app\'s', async () => {
    // What an operator does: `docker build` an image on the engine, then release it into an app.
    const tag = `operator/dockerfile-hello:${process.pid}`;
    const stream = await docker.buildImage({ context: fixture('dockerfile-hello'), src: ['Dockerfile', 'server.js'] }, { t: tag });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))));
    try {
      await p.createApp('dh-image');
      // The README's `npx berth deploy --image my-image:latest -a demo`.
      const r = await cli(['deploy', '--image', tag, '-a', 'dh-image'], 170_000);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Releasing image ${tag}`);
      expect(r.stdout).toContain('Released v1: live');
      expect((await p.get('dh-image', '/')).text).toContain('Hello from dockerfile-hello');

      // dh-dockerfile's image is labelled as that app's: for dh-image it does not exist.
      const [other] = await containers('dh-dockerfile');
      const stolen = await p.ok('POST', '/apps/dh-image/builds', { image: other!.Image });
      const refused = await (await fetch(stolen.output_stream_url)).text();
      expect(refused).toContain('has no image');
      expect((await p.ok('GET', `/apps/dh-image/builds/${stolen.id}`)).status).toBe('failed');
      expect((await p.get('dh-image', '/')).text).toContain('Hello from dockerfile-hello');

      const missing = await p.api('POST', '/apps/dh-image/builds', { image: '--no-such' });
      expect(missing.status).toBe(422);
    } finally {
      await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  }, 180_000);

  it('scales, restarts a crashed container, applies config and rolls back', async () => {
    await p.scale('dh-node', 'web', 2);
    await p.waitForUp('dh-node', 2, 'web', 60_000);
    expect((await containers('dh-node')).filter((c) => c.State === 'running')).toHaveLength(2);

    const [victim] = (await containers('dh-node')).filter((c) => c.Labels['berth.dyno'] === 'web.1' && c.State === 'running');
    await docker.getContainer(victim!.Id).kill();
    await waitFor(async () => (await containers('dh-node')).some((c) => c.Labels['berth.dyno'] === 'web.1' && c.State === 'running' && c.Id !== victim!.Id), 60_000, 'web.1 to be replaced');
    await p.waitForUp('dh-node', 2, 'web', 60_000);

    await p.ok('PATCH', '/apps/dh-node/config-vars', { GREETING: 'from config' });
    await waitFor(async () => (await p.get('dh-node', '/')).text.includes('from config'), 60_000, 'the new config to serve');
    await p.waitForUp('dh-node', 2, 'web', 60_000);
    expect(new Set((await p.dynos('dh-node')).map((d) => d.release.version))).toEqual(new Set([2]));

    await p.ok('POST', '/apps/dh-node/releases', { release: (await p.ok('GET', '/apps/dh-node/releases/1')).id });
    await waitFor(async () => !(await p.get('dh-node', '/')).text.includes('from config'), 60_000, 'the rollback to serve');
    expect((await p.get('dh-node', '/')).text).toContain('Hello from node-hello');
  }, 300_000);

  it('berth run and run:detached behave as on the local runtime', async () => {
    await p.ok('PATCH', '/apps/dh-node/config-vars', { GREETING: 'from config' });
    await checkAttachedRun(p, 'dh-node');
    await checkDetachedRun(p, 'dh-node');
  }, 120_000);

  it("isolation probes from inside an app container: no other app's container, no capabilities, NoNewPrivs, no Docker socket", async () => {
    const [other] = (await containers('dh-dockerfile')).filter((c) => c.State === 'running');
    const otherIp = Object.values(other!.NetworkSettings.Networks)[0]!.IPAddress;
    const dial = `const s=require('net').connect(5000,'${otherIp}');s.setTimeout(3000);` +
      "s.on('connect',()=>console.log('reached'));s.on('error',()=>console.log('blocked'));s.on('timeout',()=>{console.log('blocked');process.exit(0)})";
    const probe = await berth(['run', '-a', 'dh-node', '--',
      `node -e "${dial}"; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; test -e /var/run/docker.sock && echo socket || echo no-socket`,
    ], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(probe.code).toBe(0);
    expect(probe.stdout.split('\n')).toEqual(['blocked', 'CapEff:\t0000000000000000', 'NoNewPrivs:\t1', 'no-socket', '']);
    // The same probe from the host (where the router runs) reaches it.
    expect((await p.get('dh-dockerfile', '/')).status).toBe(200);
  }, 60_000);

  it('berth stack:build reports the stack ready (it exists already: nothing is rebuilt)', async () => {
    const result = await berth(['stack:build'], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('-----> Stack berth-24: build started');
    expect(result.stdout).toContain('-----> berth/stack:24 is ready (buildpack builds run on its build side berth/stack:24-build)');
  });

  it("destroying an app removes its containers, network, images and build cache", async () => {
    await p.createApp('dh-gone');
    await p.deployOk('dh-gone', fixture('node-hello'), 'v1');
    const appId = (await p.ok('GET', '/apps/dh-gone')).id as string;
    await p.ok('DELETE', '/apps/dh-gone');
    await waitFor(async () => (await containers('dh-gone')).length === 0, 30_000, 'the containers of dh-gone to go');
    await waitFor(async () => (await docker.listNetworks({ filters: { name: ['berth-dh-gone'] } })).length === 0, 30_000, 'its network to go');
    await waitFor(async () => (await docker.listImages({ filters: { label: [`berth.app-id=${appId}`] } })).length === 0, 60_000, 'its images to go');
    await waitFor(async () => (await docker.listVolumes({ filters: { name: [`berth-cache-${appId}`] } })).Volumes?.length === 0, 60_000, 'its cache volume to go');
  }, 180_000);

  it('adopts running containers when Berth restarts: nothing restarted, nothing duplicated', async () => {
    await p.waitForUp('dh-node', 2, 'web', 60_000);
    const before = (await containers()).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    await p.stopServer();
    expect((await containers()).filter((c) => c.State === 'running').map((c) => c.Id).sort()).toEqual(before);
    await p.startServer();
    await p.waitForUp('dh-node', 2, 'web', 60_000);
    expect((await p.get('dh-node', '/')).status).toBe(200);
    expect((await containers()).filter((c) => c.State === 'running').map((c) => c.Id).sort()).toEqual(before);
  }, 180_000);
});
