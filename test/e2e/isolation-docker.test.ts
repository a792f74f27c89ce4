// Tenant isolation on the docker runtime: the same hostile tenant's probes as on the local runtime,
// plus another tenant's build images, which must never be releasable into one's own app.
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isolationCases } from '../support/isolation-suite.js';
import { buildDist, Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';

const needs = {
  name: `${dockerEngine.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => dockerEngine.check() ?? postgresServer.check() ?? redisServer.check(),
  install: dockerEngine.install,
};

describeWith(needs, 'tenant isolation on the docker runtime', () => {
  const docker = new Docker();
  let p: Platform;

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (!p) return;
    const scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
    try {
      await p.stop();
    } finally {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
    }
  }, 120_000);

  isolationCases({ platform: () => p, prefix: 'iso-docker' });

  it("no image of another tenant's build can be released, by name, full id or prefix", async () => {
    const carol = await p.as('carol-iso-docker@example.com');
    await carol.createApp('iso-docker-carol');
    const theirs = await docker.listImages({ all: true, filters: { label: ['berth.app-name=iso-docker-alice'] } });
    expect(theirs.length).toBeGreaterThan(0);
    for (const image of theirs) {
      const id = image.Id.replace(/^sha256:/, '');
      for (const ref of [...(image.RepoTags ?? []), image.Id, id, id.slice(0, 12), id.slice(0, 8)]) {
        const res = await carol.api('POST', '/apps/iso-docker-carol/builds', { image: ref });
        if (res.status !== 201) continue;
        const build = await waitFor(async () => {
          const b = await carol.ok('GET', `/apps/iso-docker-carol/builds/${res.body.id}`);
          return b.status !== 'pending' && b;
        }, 30_000, `the build of ${ref} to end`);
        expect(build.status, `${ref} was released`).toBe('failed');
      }
    }
    expect(await carol.ok('GET', '/apps/iso-docker-carol/releases')).toEqual([]);
  }, 120_000);
});
