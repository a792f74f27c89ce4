// Tenant isolation on the docker runtime: the hostile tenant's probes shared with the local runtime
// (test/support/isolation-suite.ts), plus what only Docker has: another app's build stages cannot
// be released (by any id or prefix), an app's /app is size-limited, and a killed server's build
// containers are gone once it starts again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { berth } from '../support/cli-harness.js';
import { buildDist, Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';
import { isolationCases } from '../support/isolation-suite.js';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';

const needs = {
  name: `${dockerEngine.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => dockerEngine.check() ?? postgresServer.check() ?? redisServer.check(),
  install: dockerEngine.install,
};

const docker = new Docker();

/** A multi-stage app whose build stage holds a secret the final image never copies. */
const SECRET_STAGES = `FROM berth/stack:24 AS build
RUN echo "secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \\n')" > /secret.txt
RUN echo compiled > /artifact.txt
FROM berth/stack:24
COPY --from=build /artifact.txt /app/artifact.txt
COPY --chown=dyno:dyno server.js /app/server.js
CMD ["node", "server.js"]
`;
const SERVER_JS = "require('http').createServer((q, s) => s.end('stages app\\n')).listen(process.env.PORT);\n";

describeWith(needs, 'tenant isolation on the docker runtime', () => {
  let p: Platform;
  let scope: string;
  let tenantB: Platform;

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
    scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
    tenantB = await p.as('tenant-b@example.com');
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (!p) return;
    try {
      for (const a of (await p.ok('GET', '/apps')) as { name: string }[]) await p.ok('DELETE', `/apps/${a.name}`);
      await waitFor(async () => (await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })).length === 0, 30_000, 'the containers to go');
    } finally {
      await p.stop();
      for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: ['berth-app/di-*'] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    }
  }, 90_000);

  isolationCases({ platform: () => p, prefix: 'di-probe' });

  it("B cannot release any image of A's multi-stage build into its own app, by full id or prefix", async () => {
    await p.createApp('di-a');
    const src = await p.tempDir('berth-di-src-');
    await writeFile(join(src, 'Dockerfile'), SECRET_STAGES);
    await writeFile(join(src, 'server.js'), SERVER_JS);
    const { output } = await p.deployOk('di-a', src, 'v1');
    expect((await p.get('di-a', '/')).text).toBe('stages app\n');
    const shortIds = [...new Set([...output.matchAll(/---> ([0-9a-f]{12})$/gm)].map((m) => m[1]!))];
    expect(shortIds.length, output).toBeGreaterThanOrEqual(5);

    expect((await tenantB.api('POST', '/apps', { name: 'di-b' })).status).toBe(201);
    const fullIds: string[] = [];
    for (const id of shortIds) {
      const full = await docker.getImage(id).inspect().then((i) => i.Id, () => undefined);
      if (full) fullIds.push(full);
    }
    for (const image of [...shortIds.map((id) => id.slice(0, 8)), ...shortIds, ...fullIds]) {
      const created = await tenantB.api('POST', '/apps/di-b/builds', { image });
      expect(created.status, image).toBe(201);
      const refused = await (await fetch(created.body.output_stream_url)).text();
      expect(refused, image).toMatch(/has no image|looks like a short image id/);
      const build = await waitFor(async () => {
        const b = await tenantB.api('GET', `/apps/di-b/builds/${created.body.id}`);
        return b.body.status !== 'pending' && b.body;
      }, 10_000, 'the build to end');
      expect(build.status, image).toBe('failed');
    }
    expect((await tenantB.api('GET', '/apps/di-b/releases')).body).toEqual([]);
    // What is left of A's build is A's image and its parents; the build stage (the secret) is gone.
    const lineage = new Set((await docker.getImage(`berth-app/di-a:${(await p.ok('GET', '/apps/di-a/builds'))[0].id}`).history()).map((l: { Id: string }) => l.Id));
    for (const id of fullIds) expect(lineage.has(id), `${id} is left outside A's image`).toBe(true);
  }, 300_000);

  it("an app's /app is a filesystem of its size's disk limit", async () => {
    const probe = await berth(['run', '-a', 'di-a', '--', 'df -k --output=size,target /app | tail -1'], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(probe.code, probe.stderr).toBe(0);
    const [kb, target] = probe.stdout.trim().split(/\s+/);
    expect(target).toBe('/app');
    // standard-1x: 2 GiB, less what ext4 keeps for itself.
    expect(Number(kb)).toBeGreaterThan(1.8 * 1024 * 1024);
    expect(Number(kb)).toBeLessThanOrEqual(2 * 1024 * 1024);
  }, 60_000);

  it("a killed server's buildpack build container is removed when the server starts again", async () => {
    await p.createApp('di-slow');
    const appId = (await p.ok('GET', '/apps/di-slow')).id as string;
    const src = await p.tempDir('berth-di-slow-');
    await writeFile(join(src, 'package.json'), JSON.stringify({ name: 'slow', version: '1.0.0', scripts: { build: 'sleep 300', start: 'node server.js' } }));
    await writeFile(join(src, 'server.js'), SERVER_JS);
    const building = p.deploy('di-slow', src, 'v1').catch(() => undefined);
    const buildContainers = () => docker.listContainers({ all: true, filters: { label: [`berth.app-id=${appId}`, 'berth.role=build'] } });
    await waitFor(async () => (await buildContainers()).some((c) => c.State === 'running'), 120_000, 'the build container to run');

    await p.killServer();
    await building;
    // The crash left it running, with nobody waiting for it.
    expect((await buildContainers()).map((c) => c.State)).toEqual(['running']);
    await p.startServer();
    expect(await buildContainers()).toEqual([]);
  }, 240_000);
});
