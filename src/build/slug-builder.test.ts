import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../domain/errors.js';
import { materialize, startWebProcess } from './buildpack.contract.js';
import { buildSlug, type BuildSlugOptions, type BuiltSlug } from './slug-builder.js';
import { currentPrivileges } from '../platform/privileges.js';

const apps = fileURLToPath(new URL('../../test/fixtures/apps/', import.meta.url));
const isRoot = currentPrivileges().root;

describe('buildSlug', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-slug-'));
    await chmod(root, 0o711);
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  async function build(source: string, extra: Partial<BuildSlugOptions> = {}): Promise<{ slug: BuiltSlug; log: string[]; slugsDir: string }> {
    const slugsDir = await mkdtemp(path.join(root, 'slugs-'));
    const log: string[] = [];
    const slug = await buildSlug({
      appId: `slug-${randomUUID()}`, sourceDir: source, slugsDir, cacheDir: await mkdtemp(path.join(root, 'cache-')), env: {}, log: (l) => log.push(l), ...extra,
    });
    return { slug, log, slugsDir };
  }

  async function failedBuild(source: string, extra: Partial<BuildSlugOptions> = {}): Promise<{ error: BerthError; log: string[]; slugsDir: string; workDir: string }> {
    const slugsDir = await mkdtemp(path.join(root, 'slugs-'));
    const workDir = await mkdtemp(path.join(root, 'work-'));
    await chmod(workDir, 0o711);
    const log: string[] = [];
    const error = await buildSlug({
      appId: `slug-${randomUUID()}`, sourceDir: source, slugsDir, workDir, cacheDir: await mkdtemp(path.join(root, 'cache-')), env: {}, log: (l) => log.push(l), ...extra,
    }).then(() => { throw new Error('expected the build to fail'); }, (e: unknown) => e);
    expect(error).toBeInstanceOf(BerthError);
    expect((error as BerthError).code).toBe('build_failed');
    return { error: error as BerthError, log, slugsDir, workDir };
  }

  it('runs the buildpacks of a .buildpacks-like list in order: later ones use what earlier ones installed and exported, the last one\'s defaults win', async () => {
    const buildpacks = fileURLToPath(new URL('../../test/fixtures/buildpacks/', import.meta.url));
    const { slug, log } = await build(path.join(apps, 'two-buildpacks'), {
      buildpacks: [path.join(buildpacks, 'tools-first'), path.join(buildpacks, 'page-second')],
    });
    expect(log).toContain('       first-tool says: made by tools-first');
    expect(log).toContain('       FIRST_EXPORTED=yes');
    expect(await readFile(path.join(slug.slugDir, 'index.html'), 'utf8')).toBe('<p>tool: made by tools-first; exported: yes</p>\n');
    expect(slug.processTypes).toEqual({ web: 'python3 -m http.server $PORT', tools: 'first-tool' });
    expect(slug.buildpackDescription).toBe('Tools First, Page Second');
  });

  it('builds node-hello into a runnable slug that serves / and sees config vars', async () => {
    const { slug, log, slugsDir } = await build(path.join(apps, 'node-hello'));
    expect(slug.slugDir).toBe(path.join(slugsDir, slug.slugId));
    expect(await readdir(slugsDir)).toEqual([slug.slugId]);
    expect(slug.processTypes).toEqual({ web: 'npm start' });
    expect(slug.buildpackDescription).toBe('Node.js');
    expect(slug.sizeBytes).toBeGreaterThan(1000);
    expect(log).toContain('-----> Node.js app detected');
    expect(log).toContain('       Default types for buildpack -> web');
    if (isRoot) {
      const st = await stat(path.join(slug.slugDir, 'server.js'));
      expect([st.uid, st.mode & 0o022]).toEqual([0, 0]); // handed back to root, not writable by the build user
    }
    const web = await startWebProcess(slug.slugDir, slug.processTypes.web!, { GREETING: 'ahoy' });
    try {
      const res = await web.get('/');
      expect(res.status).toBe(200);
      expect(res.body).toBe('Hello from node-hello ahoy\n');
      expect((await web.get('/env/GREETING')).body).toBe('ahoy');
    } finally {
      await web.stop();
    }
  });

  it('reuses the per-app cache: a second build installs with the registry unreachable', async () => {
    const offline = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' };
    const cacheDir = await mkdtemp(path.join(root, 'cache-'));
    await build(path.join(apps, 'node-hello'), { cacheDir });
    const second = await build(path.join(apps, 'node-hello'), { cacheDir, env: offline });
    expect(await readFile(path.join(second.slug.slugDir, 'node_modules/escape-html/package.json'), 'utf8')).toContain('"version": "1.0.3"');
    // Without the cache the same offline build fails, so the success above came from the cache.
    const cold = await failedBuild(path.join(apps, 'node-hello'), { env: offline });
    expect(cold.error.message).toContain('Installing dependencies failed');
  });

  it('fails failing-build with the script output in the log and leaves no slug or workspace behind', async () => {
    const { error, log, slugsDir, workDir } = await failedBuild(path.join(apps, 'failing-build'));
    expect(error.message).toContain('The "build" script failed');
    expect(log).toContain('       failing-build: the build script failed on purpose');
    // The reason is the deploy pipeline's one line to say, not the builder's too.
    expect(log.filter((l) => l.includes(error.message))).toEqual([]);
    expect(await readdir(slugsDir)).toEqual([]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('builds static-site into a slug that serves index.html', async () => {
    const { slug } = await build(path.join(apps, 'static-site'));
    expect(slug.buildpackDescription).toBe('Static');
    const web = await startWebProcess(slug.slugDir, slug.processTypes.web!);
    try {
      expect((await web.get('/')).body).toContain('Hello from static-site');
    } finally {
      await web.stop();
    }
  });

  it('builds python-hello: the Procfile overrides the default web command', async () => {
    const { slug, log } = await build(path.join(apps, 'python-hello'));
    expect(slug.processTypes).toEqual({ web: 'python3 app.py' });
    expect(slug.buildpackDescription).toBe('Python');
    expect(log).toContain('       Procfile declares types -> web');
    const web = await startWebProcess(slug.slugDir, slug.processTypes.web!);
    try {
      expect((await web.get('/')).body).toBe('Hello from python-hello\n');
    } finally {
      await web.stop();
    }
  });

  it('reads every process type of a Procfile-only app, release included', async () => {
    const { slug } = await build(path.join(apps, 'release-phase'));
    expect(Object.keys(slug.processTypes).sort()).toEqual(['release', 'web']);
    expect(slug.buildpackDescription).toBe('Procfile');
  });

  it('fails on a malformed Procfile, naming the line', async () => {
    const src = await materialize({ Procfile: 'web: ok\nthis is not a process\n' }, root);
    expect((await failedBuild(src)).error.message).toBe('Procfile line 2: expected "<process type>: <command>", got "this is not a process".');
  });

  it('refuses a Procfile that is a symlink instead of reading what it points to', async () => {
    const src = await materialize({ 'index.html': 'x' }, root);
    await symlink('/etc/passwd', path.join(src, 'Procfile'));
    const { error } = await failedBuild(src);
    expect(error.message).toContain('symlink');
    expect(error.message).not.toContain('root:');
  });

  it('fails when no buildpack detects the app', async () => {
    const src = await materialize({ 'README.md': 'nothing to run' }, root);
    expect((await failedBuild(src)).error.message).toContain('No buildpack detected this app');
  });

  it('fails when a named built-in buildpack does not apply', async () => {
    const src = await materialize({ 'index.html': 'x' }, root);
    expect((await failedBuild(src, { buildpacks: ['heroku/nodejs'] })).error.message).toContain('nodejs does not apply');
  });
});
