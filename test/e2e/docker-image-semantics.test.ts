// Images with semantics of their own on the docker runtime (issue 13 items 2, 3, 9): no bash in
// the image, its WORKDIR and ENTRYPOINT honoured for web, one-offs and the release command, its
// one EXPOSEd port routed to, and `berth run TYPE` running a Procfile type. The images are built
// by the test FROM berth/stack:24 (bash removed), nothing is pulled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { berth } from '../support/cli-harness.js';
import { buildDist, fixture, Platform } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';

const docker = new Docker();

async function removeLeftovers(scope: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { name: ['berth-di-'] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  for (const image of await docker.listImages({ filters: { reference: ['berth-app/di-*'] } })) {
    for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  }
}

describeWith(dockerEngine, "images' own semantics on the docker runtime", () => {
  let p: Platform;
  let scope: string;
  const run = (app: string, command: string) => berth(['run', '-a', app, '--', command], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
    scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (!p) return;
    try {
      for (const a of (await p.ok('GET', '/apps')) as { name: string }[]) await p.ok('DELETE', `/apps/${a.name}`);
    } finally {
      await p.stop();
      await removeLeftovers(scope);
    }
  }, 90_000);

  it("runs an image without bash through its own ENTRYPOINT + CMD, in its WORKDIR, which is writable", async () => {
    await p.createApp('di-entry');
    const { output } = await p.deployOk('di-entry', fixture('image-entrypoint'), 'v1');
    expect(output).toContain('Image command gives types -> web');
    expect(output).toContain('web processes get PORT=5000 and must listen on $PORT');
    expect(output).toContain('Released v1: live');
    expect((await p.get('di-entry', '/')).text)
      .toBe("image-entrypoint: from the image's WORKDIR; cwd=/usr/src/app; entrypoint=yes; home=/usr/src/app\n");
  }, 240_000);

  it('runs the exec-form CMD of an image with no shell at all', async () => {
    await p.createApp('di-noshell');
    await p.deployOk('di-noshell', fixture('image-no-shell'), 'v1');
    expect((await p.get('di-noshell', '/')).text).toBe('image-no-shell: shells=[]\n');
  }, 240_000);

  it('gives a one-off command to /bin/sh as the ENTRYPOINT\'s arguments, in the WORKDIR; the heroku CLI\'s exit-status suffix works there', async () => {
    const result = await run('di-entry', 'echo "ran in $(pwd) via $FROM_ENTRYPOINT"; test -x /bin/bash || echo no-bash');
    expect(result).toMatchObject({ code: 0, stdout: 'ran in /usr/src/app via yes\nno-bash\n' });
    // What `heroku run -x` appends to the command (lib/run/dyno.js), under /bin/sh.
    const suffixed = await run('di-entry', 'sh -c "exit 3" ; echo "\uFFFF heroku-command-exit-status: $?"');
    expect(suffixed.stdout).toContain('\uFFFF heroku-command-exit-status: 3');
  }, 120_000);

  it('routes to the one EXPOSEd port of an app that ignores $PORT, runs its Procfile through /bin/sh and its release in the WORKDIR', async () => {
    await p.createApp('di-expose');
    const { output } = await p.deployOk('di-expose', fixture('image-expose'), 'v1');
    expect(output).toContain('Image exposes port 3000: web processes get PORT=3000 and are routed there');
    expect(output).toContain('release ran in /srv/app');
    expect(output).toContain('Released v1: live');
    expect((await p.get('di-expose', '/')).text).toBe('image-expose on 3000 (PORT=3000)\n');
  }, 240_000);

  it('berth run TYPE runs the Procfile type\'s command', async () => {
    const result = await run('di-expose', 'console');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^console type ran in \/srv\/app as run\.\d+\n$/);
  }, 120_000);
});
