import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../domain/errors.js';
import { runChecked } from '../platform/exec.js';
import { materialize } from './buildpack.contract.js';
import { parseBuildpackSource } from './buildpack-source.js';
import { buildSlug, type BuildSlugOptions } from './slug-builder.js';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { buildUid } from './build-user.js';
import { asRoot, describeWith } from '../../test/support/require-dependency.js';
import { currentPrivileges } from '../platform/privileges.js';

const classicDir = fileURLToPath(new URL('../../test/fixtures/buildpacks/hello-classic', import.meta.url));
const isRoot = currentPrivileges().root;

describe('parseBuildpackSource', () => {
  it('accepts absolute directories and https git URLs with an optional #ref', () => {
    expect(parseBuildpackSource('/opt/buildpacks/ruby')).toEqual({ kind: 'dir', path: '/opt/buildpacks/ruby' });
    expect(parseBuildpackSource('https://example.com/bp.git#v1.2')).toEqual({ kind: 'git', url: 'https://example.com/bp.git', ref: 'v1.2' });
  });

  it('refuses file:// and http:// URLs, saying what to use instead', () => {
    for (const bad of ['file:///srv/bp', 'http://127.0.0.1:5000/bp.git', 'http://example.com/bp.git']) {
      expect(() => parseBuildpackSource(bad), bad).toThrow('buildpack URLs must use https://');
    }
  });

  it('refuses option-like names, other git transports and odd refs', () => {
    for (const bad of ['-uhttp://x', '--upload-pack=touch /tmp/x', 'ext::sh -c touch% /tmp/pwned', 'ssh://host/repo', 'ftp://x/y',
      'relative/dir', 'https://example.com/bp.git#--upload-pack=x', 'https://example.com/bp.git#a..b', 'https://x/\n']) {
      expect(() => parseBuildpackSource(bad), bad).toThrow(BerthError);
    }
  });
});

describe('classic buildpacks (bin/detect, bin/compile, bin/release)', () => {
  let root: string;
  let app: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-classic-'));
    await chmod(root, 0o711);
    app = await materialize({ 'hello.txt': 'hi' }, root);
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  async function build(extra: Partial<BuildSlugOptions>): Promise<{ log: string[]; result: Awaited<ReturnType<typeof buildSlug>> }> {
    const log: string[] = [];
    const result = await buildSlug({
      appId: `classic-${randomUUID()}`, sourceDir: app, slugsDir: path.join(root, 'slugs'), cacheDir: await mkdtemp(path.join(root, 'cache-')),
      env: {}, buildpacks: [classicDir], log: (l) => log.push(l), ...extra,
    });
    return { log, result };
  }

  it('runs detect, compile with ENV_DIR and release, as Heroku does, and streams compile output', async () => {
    const appId = `classic-${randomUUID()}`;
    const { log, result } = await build({ appId, env: { GREETING: 'hello from ENV_DIR', OTHER: 'x' } });
    expect(result.buildpackDescription).toBe('Hello Classic');
    expect(result.processTypes).toEqual({ web: 'python3 -m http.server $PORT', clock: 'echo tick' });
    expect(log).toEqual(expect.arrayContaining([
      '-----> Hello classic buildpack', '       config var GREETING is set', '       config var OTHER is set', '       build number 1',
    ]));
    // The last line had no newline; it is still delivered.
    // As root, the app's own build uid, which has no name (no passwd entry).
    expect(log).toContain(`       whoami: ${isRoot ? String(buildUid(appId)) : (await runChecked('id', ['-un'])).trim()}`);
    expect(await readFile(path.join(result.slugDir, 'greeting.txt'), 'utf8')).toBe('hello from ENV_DIR');
  });

  it('keeps the cache between builds of the same app', async () => {
    const cacheDir = await mkdtemp(path.join(root, 'cache-'));
    await build({ cacheDir });
    const { log } = await build({ cacheDir });
    expect(log).toContain('       build number 2');
  });

  it('fetches a buildpack from an https git URL', async () => {
    const repo = path.join(root, 'repo');
    await cp(classicDir, repo, { recursive: true });
    const git = (...args: string[]): Promise<string> => runChecked('git', ['-C', repo, ...args]);
    await git('init', '--quiet');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'bp');
    const server = await serveGitOverHttps(repo, root);
    const caBefore = process.env.GIT_SSL_CAINFO;
    process.env.GIT_SSL_CAINFO = server.caFile; // the operator's CA setting reaches git through the host network env
    try {
      const { log, result } = await build({ buildpacks: [server.url] });
      expect(log).toContain(`-----> Fetching buildpack ${server.url}`);
      expect(result.processTypes.web).toBe('python3 -m http.server $PORT');
    } finally {
      if (caBefore === undefined) delete process.env.GIT_SSL_CAINFO; else process.env.GIT_SSL_CAINFO = caBefore;
      await server.close();
    }
  });

  it('fails the build with no slug left when bin/compile fails', async () => {
    const slugsDir = path.join(root, 'slugs-fail');
    const log: string[] = [];
    const err = await build({ slugsDir, env: { FAIL_BUILD: '1' }, log: (l) => log.push(l) }).catch((e: unknown) => e);
    expect((err as BerthError).code).toBe('build_failed');
    expect((err as BerthError).message).toBe('Buildpack Hello Classic failed to compile this app (bin/compile exited with 3).');
    expect(log).toContain('       failing on purpose');
    expect(await readdir(slugsDir).catch(() => [])).toEqual([]);
  });

  it('stops the build and its children when the signal aborts, leaving no slug', async () => {
    const slugsDir = path.join(root, 'slugs-cancel');
    const ac = new AbortController();
    const log: string[] = [];
    const err = await build({
      slugsDir, env: { SLOW_BUILD: '1' }, signal: ac.signal,
      log: (l) => { log.push(l); if (l.includes('sleeping')) ac.abort(); },
    }).catch((e: unknown) => e);
    expect((err as BerthError).message).toBe('Build was cancelled.');
    expect(await readdir(slugsDir).catch(() => [])).toEqual([]);
  });

  it('fails when the named buildpack does not detect the app', async () => {
    const other = await materialize({ 'index.html': 'x' }, root);
    const err = await build({ sourceDir: other }).catch((e: unknown) => e);
    expect((err as BerthError).message).toContain('does not apply to this app');
  });

  describeWith(asRoot, 'build sandbox', () => {
    it('runs the build as the unprivileged build user, who cannot read root-only files', async () => {
      const secretDir = await mkdtemp(path.join(root, 'secret-'));
      await mkdir(secretDir, { recursive: true });
      await chmod(secretDir, 0o700);
      const secret = path.join(secretDir, 'other-app-file');
      await writeFile(secret, 'private', { mode: 0o600 });
      const { log } = await build({ env: { PROBE_FILE: secret } });
      expect(log).toContain('       probe: denied');
    });
  });
});

/**
 * Serves a repository over https through git-http-backend (the smart protocol, which shallow clones
 * need), with a self-signed certificate for 127.0.0.1 whose file the build user can read.
 */
async function serveGitOverHttps(repo: string, scratch: string): Promise<{ url: string; caFile: string; close(): Promise<void> }> {
  const bare = await mkdtemp(path.join(scratch, 'bare-'));
  await runChecked('git', ['clone', '--quiet', '--bare', '--', repo, path.join(bare, 'bp.git')]);
  const key = path.join(bare, 'key.pem');
  const caFile = path.join(bare, 'cert.pem');
  await runChecked('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  await chmod(bare, 0o755);
  await chmod(caFile, 0o644);
  const server = createServer({ key: await readFile(key), cert: await readFile(caFile) }, (req, res) => {
    const [pathInfo, query = ''] = (req.url ?? '/').split('?');
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], { env: {
      GIT_PROJECT_ROOT: bare, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: pathInfo, QUERY_STRING: query,
      REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', GIT_CONFIG_NOSYSTEM: '1',
    } });
    req.pipe(cgi.stdin);
    const out: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => out.push(c));
    cgi.on('close', () => {
      const all = Buffer.concat(out);
      const end = all.indexOf('\r\n\r\n');
      for (const line of all.subarray(0, end).toString().split('\r\n')) {
        const [name, ...value] = line.split(': ');
        if (name?.toLowerCase() === 'status') res.statusCode = Number.parseInt(value.join(': '), 10);
        else if (name) res.setHeader(name, value.join(': '));
      }
      res.end(all.subarray(end + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/bp.git`, caFile,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
