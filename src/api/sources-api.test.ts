// /sources and builds over real HTTP: who may upload, how often, for how long, and whose source a build may use.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { AppBuilder } from '../build/app-builder.js';
import { packSource } from '../client/pack-source.js';
import { newSourceId, newSourceSecret } from '../deploy/source-capability.js';
import { SourceStore } from '../deploy/source-store.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { BuildOutputs } from '../logs/build-output.js';
import { DeployPipeline } from '../services/deploy-pipeline.js';
import { deployRoutes } from './routes/deploy-routes.js';

/** Builds nothing: reports the Procfile it was given, so a test can tell whose source was built. */
const procfileBuilder: AppBuilder = {
  produces: 'slug',
  build: async (req) => ({ location: req.sourceDir, processTypes: { web: (await readFile(join(req.sourceDir, 'Procfile'), 'utf8')).slice(5).trim() }, buildpackDescription: 'test', sizeBytes: 1 }),
  fromImage: async () => { throw new Error('not used'); },
  buildStack: async () => undefined,
  forgetApp: async () => undefined,
  prune: async () => undefined,
};

let api: TestApi;
let sourcesDir: string;
let tarball: Buffer;
let admin: string;
let alice: string;
let bob: string;
let pipeline: DeployPipeline;
let now = Date.now();

beforeAll(async () => {
  const home = await mkdtemp(join(tmpdir(), 'berth-sources-api-'));
  sourcesDir = join(home, 'sources');
  const sources = new SourceStore(sourcesDir, { clock: { now: () => now }, limits: { maxPendingPerUser: 10, maxPendingBytesPerUser: 64 * 1024 } });
  const outputs = new BuildOutputs(join(home, 'builds'));
  api = await startTestApi([(app, ctx) => {
    pipeline = new DeployPipeline({
      ...ctx, runtime: new FakeRuntime(ctx.clock), builder: procfileBuilder, sources, outputs, paths: { builds: join(home, 'builds') },
      maxConcurrentBuilds: 1, launchTimeoutMs: 1000,
    });
    deployRoutes({ sources, outputs, pipeline })(app, ctx);
  }]);
  const src = await mkdtemp(join(tmpdir(), 'berth-sources-app-'));
  await writeFile(join(src, 'Procfile'), 'web: node alice.js\n');
  const packed = await packSource(src);
  tarball = await readFile(packed.file);
  await packed.remove();
  await rm(src, { recursive: true, force: true });
  admin = await api.login(ADMIN.email, ADMIN.password);
  for (const name of ['alice', 'bob']) {
    await api.call('POST', '/users', { token: admin, body: { email: `${name}@example.com`, password: `${name}-password-1` } });
  }
  alice = await api.login('alice@example.com', 'alice-password-1');
  bob = await api.login('bob@example.com', 'bob-password-1');
  await api.call('POST', '/apps', { token: alice, body: { name: 'alice-app' } });
  await api.call('POST', '/apps', { token: bob, body: { name: 'bob-app' } });
  return async () => {
    await api.close();
    await rm(home, { recursive: true, force: true });
  };
});

const raw = (method: string, url: string, body?: Buffer) => fetch(url, { method, body: body as unknown as BodyInit | undefined });
const storedTarballs = async () => (await readdir(sourcesDir)).filter((n) => n.endsWith('.tgz'));
/** The URL on the test server (the API's public URL is http://localhost:5000). */
const local = (url: string) => api.url + new URL(url).pathname;
async function upload(token: string, body = tarball) {
  const res = await api.call('POST', '/sources', { token });
  expect(res.status).toBe(201);
  const blob = res.body.source_blob as { put_url: string; get_url: string };
  const put = await raw('PUT', local(blob.put_url), body);
  return { ...blob, put };
}

describe('/sources', () => {
  it('hands out upload URLs only to a logged-in user, each with its own secret', async () => {
    expect((await api.call('POST', '/sources')).status).toBe(401);
    const res = await api.call('POST', '/sources', { token: alice });
    const { put_url: put, get_url: get } = res.body.source_blob;
    expect(put).not.toBe(get);
    expect(new URL(put).pathname).toMatch(/^\/sources\/[\w-]{22}\/[\w-]{43}$/);
    expect(new URL(get).pathname.split('/')[2]).toBe(new URL(put).pathname.split('/')[2]);
  });

  it('refuses a PUT that no POST /sources made, storing nothing', async () => {
    const before = await storedTarballs();
    const oldShape = `/sources/${newSourceSecret()}`; // what any caller could PUT to before: an id of its own choosing
    for (const path of [oldShape, `/sources/${newSourceId()}`, `/sources/${newSourceId()}/${newSourceSecret()}`, '/sources/anything']) {
      const res = await raw('PUT', api.url + path, Buffer.alloc(1024));
      // 404 where the path has a source's shape; 401 where no route matches (and no token came).
      expect([401, 404], path).toContain(res.status);
    }
    expect(await storedTarballs()).toEqual(before);
  });

  it('takes one PUT per put_url; the get_url reads it and takes no PUT', async () => {
    const blob = await upload(alice);
    expect(blob.put.status).toBe(200);
    const again = await raw('PUT', local(blob.put_url), Buffer.from('replaced'));
    expect(again.status).toBe(409);
    expect((await again.json()).message).toContain('already been used');
    expect((await raw('PUT', local(blob.get_url), Buffer.from('replaced'))).status).toBe(404);
    const got = await raw('GET', local(blob.get_url));
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(tarball)).toBe(true);
    expect((await raw('GET', local(blob.put_url))).status).toBe(404);
  });

  it('answers 404 to a GET of an unknown or guessed source', async () => {
    const blob = await upload(alice);
    const id = new URL(blob.get_url).pathname.split('/')[2];
    for (const path of [`/sources/${id}/${newSourceSecret()}`, `/sources/${newSourceId()}/${newSourceSecret()}`]) {
      expect((await raw('GET', api.url + path)).status, path).toBe(404);
    }
  });

  it('stops honouring the URLs after an hour', async () => {
    const unused = (await api.call('POST', '/sources', { token: alice })).body.source_blob;
    const uploaded = await upload(alice);
    now += 60 * 60_000 + 1;
    try {
      const put = await raw('PUT', local(unused.put_url), tarball);
      expect(put.status).toBe(404);
      expect((await put.json()).message).toContain('expired');
      expect((await raw('GET', local(uploaded.get_url))).status).toBe(404);
      const build = await api.call('POST', '/apps/alice-app/builds', { token: alice, body: { source_blob: { url: uploaded.get_url } } });
      expect(build.status).toBe(404);
    } finally {
      now -= 60 * 60_000 + 1;
    }
  });

  it("refuses a build of another user's source, in either direction, and builds the owner's own", async () => {
    const alices = await upload(alice);
    const intoBob = await api.call('POST', '/apps/bob-app/builds', { token: bob, body: { source_blob: { url: alices.get_url } } });
    expect(intoBob.status).toBe(403);
    expect(intoBob.body.message).toContain('uploaded by a user who may not deploy this app');
    const bobs = await upload(bob);
    const intoAlice = await api.call('POST', '/apps/alice-app/builds', { token: alice, body: { source_blob: { url: bobs.get_url } } });
    expect(intoAlice.status).toBe(403);
    expect((await api.call('GET', '/apps/bob-app/builds', { token: bob })).body).toEqual([]);

    const own = await api.call('POST', '/apps/alice-app/builds', { token: alice, body: { source_blob: { url: alices.get_url, version: 'v1' } } });
    expect(own.status).toBe(201);
    expect(JSON.stringify(own.body)).not.toContain(new URL(alices.get_url).pathname.split('/')[3]);
    await pipeline.settled(own.body.id);
    expect((await api.call('GET', `/apps/alice-app/builds/${own.body.id}`, { token: alice })).body.status).toBe('succeeded');
    // A source feeds one build and is gone after it.
    expect((await raw('GET', local(alices.get_url))).status).toBe(404);
  });

  it("builds a collaborator's source into the app they may deploy, and stops once they may not", async () => {
    expect((await api.call('POST', '/apps/alice-app/collaborators', { token: alice, body: { user: 'bob@example.com' } })).status).toBe(201);
    const bobs = await upload(bob);
    const built = await api.call('POST', '/apps/alice-app/builds', { token: alice, body: { source_blob: { url: bobs.get_url, version: 'from-bob' } } });
    expect(built.status).toBe(201);
    await pipeline.settled(built.body.id);
    expect((await api.call('DELETE', '/apps/alice-app/collaborators/bob@example.com', { token: alice })).status).toBe(200);
    const later = await upload(bob);
    const refused = await api.call('POST', '/apps/alice-app/builds', { token: alice, body: { source_blob: { url: later.get_url } } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('uploaded by a user who may not deploy this app');
  });

  it('holds each user to a quota of pending sources with a clear 429, storing nothing over it', async () => {
    // Sources earlier tests left pending would count too: two hours on, they have expired.
    now += 2 * 60 * 60_000;
    const held: string[] = [];
    try {
      for (let i = 0; i < 10; i++) held.push((await api.call('POST', '/sources', { token: bob })).body.source_blob.put_url);
      const fourth = await api.call('POST', '/sources', { token: bob });
      expect(fourth.status).toBe(429);
      expect(fourth.body).toMatchObject({ id: 'quota_exceeded', message: expect.stringContaining('limit is 10') });
      expect((await api.call('POST', '/sources', { token: alice })).status).toBe(201);

      const before = await storedTarballs();
      const tooMuch = await raw('PUT', local(held[0]!), Buffer.alloc(65 * 1024));
      expect(tooMuch.status).toBe(429);
      expect((await tooMuch.json()).id).toBe('quota_exceeded');
      expect(await storedTarballs()).toEqual(before);
    } finally {
      now -= 2 * 60 * 60_000;
    }
  });
});
