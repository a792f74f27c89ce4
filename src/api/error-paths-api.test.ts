// What a tenant reads when something fails: never a server path; for internal errors a generic
// message and an id that the operator's log is keyed on.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { AppBuilder, AppBuildRequest } from '../build/app-builder.js';
import { packSource } from '../client/pack-source.js';
import { BerthError } from '../domain/errors.js';
import { SourceStore } from '../deploy/source-store.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { BuildOutputs } from '../logs/build-output.js';
import type { LogSink } from '../logs/log-sink.js';
import { DeployPipeline } from '../services/deploy-pipeline.js';
import { deployRoutes } from './routes/deploy-routes.js';

/** The way tools fail: Node's fs errors quote the absolute path they were given. */
const fsError = async (path: string): Promise<Error> => readFile(path).then(() => new Error('unexpectedly there'), (e: Error) => e);

let failWith: (req: AppBuildRequest) => Promise<never>;
const failingBuilder: AppBuilder = {
  produces: 'slug',
  build: async (req) => {
    req.log(`-----> Building in ${req.sourceDir}`);
    return failWith(req);
  },
  fromImage: async () => { throw new Error('not used'); },
  buildStack: async () => undefined,
  forgetApp: async () => undefined,
  prune: async () => undefined,
};

let api: TestApi;
let home: string;
let token: string;
let pipeline: DeployPipeline;
const appLines: string[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'berth-error-paths-'));
  const appLog: LogSink = { write: (_app, _source, _dyno, message) => void appLines.push(message) };
  api = await startTestApi([(app, ctx) => {
    const outputs = new BuildOutputs(join(home, 'builds'));
    const sources = new SourceStore(join(home, 'sources'), { clock: ctx.clock });
    pipeline = new DeployPipeline({
      ...ctx, appLog, runtime: new FakeRuntime(ctx.clock), builder: failingBuilder, sources, outputs, paths: { builds: join(home, 'builds') },
      maxConcurrentBuilds: 1, launchTimeoutMs: 1000,
    });
    deployRoutes({ sources, outputs, pipeline })(app, ctx);
    app.get('/test/crash', async () => { throw await fsError(join(home, 'db', 'no-such-file')); });
  }], { home });
  token = await api.login(ADMIN.email, ADMIN.password);
  await api.call('POST', '/apps', { token, body: { name: 'failing' } });
  return () => api.close();
});

async function failedBuild(): Promise<string> {
  const src = await mkdtemp(join(tmpdir(), 'berth-error-paths-src-'));
  await writeFile(join(src, 'Procfile'), 'web: true\n');
  const packed = await packSource(src);
  try {
    const blob = (await api.call('POST', '/sources', { token })).body.source_blob;
    await fetch(api.url + new URL(blob.put_url).pathname, { method: 'PUT', body: await readFile(packed.file) });
    const build = await api.call('POST', '/apps/failing/builds', { token, body: { source_blob: { url: blob.get_url } } });
    await pipeline.settled(build.body.id);
    expect((await api.call('GET', `/apps/failing/builds/${build.body.id}`, { token })).body.status).toBe('failed');
    return await (await fetch(api.url + new URL(build.body.output_stream_url).pathname)).text();
  } finally {
    await packed.remove();
    await rm(src, { recursive: true, force: true });
  }
}

describe('error messages a tenant reads', () => {
  it('answer an internal error with a generic 500 naming the request id, and no path', async () => {
    const res = await api.call('GET', '/test/crash', { token });
    expect(res.status).toBe(500);
    expect(res.body.id).toBe('internal_server_error');
    expect(res.body.message).toContain(res.headers.get('request-id'));
    expect(JSON.stringify(res.body)).not.toContain(home);
  });

  it('take server paths out of a build failure that quotes a tool, in the build output and the app log', async () => {
    failWith = async (req) => { throw new BerthError('build_failed', `Build failed: ${(await fsError(join(req.sourceDir, 'missing'))).message}`); };
    const output = await failedBuild();
    expect(output).toContain('Build failed: ENOENT');
    expect(output).toContain('<BERTH_HOME>/builds/');
    expect(output + appLines.join('\n')).not.toContain(home);
  });

  it('show an internal build crash as a generic line with the build id', async () => {
    failWith = async (req) => { throw await fsError(join(req.sourceDir, 'missing')); };
    const output = await failedBuild();
    expect(output).toMatch(/Build failed because of an internal error \(build id [0-9a-f-]{36}\)/);
    expect(output).not.toContain('ENOENT');
    expect(output + appLines.join('\n')).not.toContain(home);
  });
});
