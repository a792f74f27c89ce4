// Images with semantics of their own on the docker runtime (issue 13 items 2, 3, 9): no bash in
// the image, its WORKDIR and ENTRYPOINT honoured for web, one-offs and the release command, its
// one EXPOSEd port routed to, and `berth run TYPE` running a Procfile type. The images are built
// by the test FROM berth/stack:24 (bash removed), nothing is pulled.
import { beforeAll, expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { fixture, type Platform } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, useDockerPlatform } from '../support/docker-platform.js';

describeWith(dockerEngine, "images' own semantics on the docker runtime", () => {
  const platform = useDockerPlatform('di-');
  let p: Platform;
  beforeAll(() => { p = platform.p; });
  const run = (app: string, command: string) => berth(['run', '-a', app, '--', command], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });

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
