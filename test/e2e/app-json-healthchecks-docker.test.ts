// app.json healthchecks on the docker runtime: the checks reach the container on its own address and
// $PORT as on the local runtime; a failing content check fails the deploy naming the check while the
// previous release serves on, and a liveness failure restarts the container.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { dockerEngine, useDockerPlatform } from '../support/docker-platform.js';
import { type Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';

describeWith(dockerEngine, 'app.json healthchecks on the docker runtime', () => {
  const platform = useDockerPlatform('dhc-');
  let p: Platform;
  beforeAll(() => { p = platform.p; });

  it('a liveness failure restarts the container; a failing content check fails the deploy naming the check, the old release serving on', async () => {
    const app = 'dhc-checks';
    await p.createApp(app);
    const dir = await p.copyFixture('healthcheck-app');
    await writeFile(join(dir, 'app.json'), JSON.stringify({
      healthchecks: { web: [
        { type: 'startup', name: 'health page', path: '/health', content: 'status: ok', attempts: 2, wait: 1 },
        { type: 'liveness', name: 'alive', path: '/live', attempts: 2, wait: 1 },
      ] },
    }));
    const first = await p.deployOk(app, dir, 'v1');
    expect(first.output).toContain('Released v1: live');
    expect((await p.get(app, '/')).text).toMatch(/^healthcheck-app v1 /);
    const [dyno] = await p.waitForUp(app, 1);

    // The liveness check watches the container: once /live answers 500 it is restarted.
    expect((await p.get(app, '/break')).text).toBe('broken now\n');
    await waitFor(async () => (await p.logs(app)).includes('Liveness healthcheck "alive" failed 2 times in a row: GET /live answered 500, not 2xx; stopping the process'),
      30_000, 'the liveness check to fail twice');
    await waitFor(async () => {
      const ds = await p.waitForUp(app, 1, 'web', 60_000);
      return ds[0]!.id !== dyno!.id;
    }, 60_000, 'a new web container up');
    const served = (await p.get(app, '/')).text;
    expect(served).toMatch(/^healthcheck-app v1 /);

    await writeFile(join(dir, 'version.txt'), 'v2\n');
    await writeFile(join(dir, 'app.json'), JSON.stringify({
      healthchecks: { web: [{ type: 'startup', name: 'ready page', path: '/health', content: 'status: ready', attempts: 2, wait: 1 }] },
    }));
    const second = await p.deploy(app, dir, 'v2');
    expect(second.output).toContain(' !     Release v2 failed: web.1 failed its startup healthcheck "ready page" after 2 attempts: GET /health answered 200 without "status: ready" in its body');
    expect((await p.get(app, '/')).text).toBe(served);
  }, 600_000);
});
