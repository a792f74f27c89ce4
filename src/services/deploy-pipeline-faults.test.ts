// The deploy pipeline when things go wrong around it: a build output file that fails, a rollout that
// fails after the release is made. Real SQLite store and build outputs, a fake builder, fake time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppBuilder } from '../build/app-builder.js';
import { SourceStore } from '../deploy/source-store.js';
import type { User } from '../domain/types.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { BuildOutputs } from '../logs/build-output.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { DeployPipeline } from './deploy-pipeline.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';

const builder: AppBuilder = {
  produces: 'image',
  build: async () => { throw new Error('source builds are not used here'); },
  fromImage: async ({ image, log }) => {
    log('-----> Using the image');
    return { location: image, processTypes: { web: 'node server.js' }, buildpackDescription: 'image', sizeBytes: 1 };
  },
  buildStack: async () => undefined,
  forgetApp: async () => undefined,
  prune: async (appId, images) => void prunes.push({ appId, remove: [...images.remove].sort(), keep: [...images.keep].sort() }),
};
const prunes: Array<{ appId: string; remove: string[]; keep: string[] }> = [];

/** A file stream whose writes fail, as a full disk's would. */
const failingFile = () => new Writable({ write(_chunk, _enc, done) { done(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })); } });

describe('DeployPipeline faults', () => {
  let dir: string;
  let store: SqliteStore;
  let clock: FakeClock;
  let events: PlatformEvents;
  let actor: User;
  let appId: string;
  const errors: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-pipeline-'));
    clock = new FakeClock();
    store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
    events = new PlatformEvents();
    actor = await store.users.create({ email: 'a@example.com', passwordHash: 'h', isAdmin: false });
    appId = (await store.apps.create({ name: 'demo', ownerId: actor.id, stack: 'berth-24' })).id;
    errors.length = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function pipeline(outputs: BuildOutputs, keepReleases?: number) {
    return new DeployPipeline({
      keepReleases,
      store, clock, events, defaultStack: 'berth-24',
      releaseOwner: new ReleaseOwner({ store, clock, events, logger: silentLogger, releaseTimeoutMs: 3_600_000 }),
      logger: { ...silentLogger, error: (event) => void errors.push(event) },
      runtime: new FakeRuntime(clock), sources: new SourceStore(join(dir, 'sources'), { clock }), outputs, builder,
      paths: { builds: join(dir, 'builds') }, maxConcurrentBuilds: 1, launchTimeoutMs: 60_000,
    });
  }

  /** Resolves once the owner has made a release current (its event comes after the store write),
   *  however long the real file and SQLite work before it takes on a busy machine. */
  function releaseMadeCurrent(): Promise<void> {
    return new Promise((resolve) => {
      const off = events.on((e) => {
        if (e.type === 'app-changed' && e.appId === appId) { off(); resolve(); }
      });
    });
  }

  it('fails the one build whose output file cannot be written, and releases nothing', async () => {
    const faults: string[] = [];
    const outputs = new BuildOutputs(join(dir, 'builds'), { openFile: failingFile, onFault: (id) => void faults.push(id) });
    const p = pipeline(outputs);
    const build = await p.createBuild(actor, 'demo', { image: 'demo:latest' });
    await p.settled(build.id);

    expect((await store.builds.byId(appId, build.id))?.status).toBe('failed');
    expect(await store.releases.list(appId)).toEqual([]);
    expect(faults).toEqual([build.id]);
    expect(errors).toContain('build-crashed');
    const lines: string[] = [];
    for await (const l of outputs.follow(build.id)) lines.push(l);
    expect(lines).toContain(` !     Build failed because of an internal error (build id ${build.id}); the operator's log has the details.`);
  });

  it('ends the build output with the stored rollout verdict and its reason', async () => {
    const outputs = new BuildOutputs(join(dir, 'builds'));
    const p = pipeline(outputs);
    const madeCurrent = releaseMadeCurrent();
    const build = await p.createBuild(actor, 'demo', { image: 'demo:latest' });
    await madeCurrent;
    const release = await store.releases.current(appId);
    expect(release?.rollout.state).toBe('releasing');
    // The health manager's verdict, as it writes it.
    await store.releases.setRollout(release!.id, 'failed', 'web.1 crashed (exit code 1) before it came up');
    events.emit({ type: 'rollout-changed', appId, releaseId: release!.id, state: 'failed' });
    await p.settled(build.id);

    const lines: string[] = [];
    for await (const l of outputs.follow(build.id)) lines.push(l);
    expect(lines).toContain(' !     Release v1 failed: web.1 crashed (exit code 1) before it came up');
  });

  it('says the rollout is still going when it outlasts the launch timeout, and how to follow it', async () => {
    const outputs = new BuildOutputs(join(dir, 'builds'));
    const p = pipeline(outputs);
    const madeCurrent = releaseMadeCurrent();
    const build = await p.createBuild(actor, 'demo', { image: 'demo:latest' });
    let settled = false;
    void p.settled(build.id).then(() => { settled = true; });
    await madeCurrent;
    for (let s = 0; s < 58; s++) await clock.advance(1000);
    expect(settled).toBe(false);
    for (let s = 0; s < 10; s++) await clock.advance(1000);
    await p.settled(build.id);
    const lines: string[] = [];
    for await (const l of outputs.follow(build.id)) lines.push(l);
    expect(lines).toContain(' !     Release v1 is still rolling out (releasing) after 60 s;');
    expect(lines).toContain(' !     follow it with `berth releases:info v1 -a demo` and `berth logs -a demo`');
  });

  it("prunes only the app's own builds beyond the kept releases: never those of an app that had its name before", async () => {
    const p = pipeline(new BuildOutputs(join(dir, 'builds')), 1);
    /** Deploys an image to an app and lets its rollout succeed, as the health manager would. */
    const deploy = async (id: string, name: string, image: string) => {
      const current = new Promise<void>((resolve) => {
        const off = events.on((e) => { if (e.type === 'app-changed' && e.appId === id) { off(); resolve(); } });
      });
      const build = await p.createBuild(actor, name, { image });
      await current;
      const release = await store.releases.current(id);
      await store.releases.setRollout(release!.id, 'live');
      events.emit({ type: 'rollout-changed', appId: id, releaseId: release!.id, state: 'live' });
      await p.settled(build.id);
    };
    await deploy(appId, 'demo', 'first:1');
    await deploy(appId, 'demo', 'first:2');
    await store.apps.update(appId, { name: 'demo-renamed' });
    const newcomer = (await store.apps.create({ name: 'demo', ownerId: actor.id, stack: 'berth-24' })).id;
    prunes.length = 0;
    await deploy(newcomer, 'demo', 'second:1');
    await deploy(newcomer, 'demo', 'second:2');
    expect(prunes).toEqual([
      { appId: newcomer, remove: [], keep: ['second:1'] },
      { appId: newcomer, remove: ['second:1'], keep: ['second:2'] },
    ]);
  });
});

