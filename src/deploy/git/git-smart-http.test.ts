// The git layer with a real git client: a minimal HTTP server over smart-http.ts, a hook channel
// whose handler archives the pushed commit, and pushes and clones through it.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { run } from '../../platform/exec.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractSourceTarball } from '../tarball.js';
import { archiveCommit, quarantineEnv } from './git-archive.js';
import { openHookChannel, type HookHandler } from './hook-channel.js';
import { planPush, parseRefUpdates } from './ref-updates.js';
import { GitRepos } from './repo-store.js';
import { advertiseRefs, advertisementType, isGitService, pktLine, resultType, serviceRpc } from './smart-http.js';

let work: string;
let server: Server;
let base: string;
let repos: GitRepos;
const appId = randomUUID();
/** What the hook handler does; each test sets it. */
let onPush: HookHandler = async () => 1;

/** Async: the server under test runs in this process, so a blocking git call would deadlock it. */
const git = async (cwd: string, ...args: string[]) => {
  const r = await run('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', ...args], {
    cwd, env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'berth-git-test-'));
  repos = new GitRepos(join(work, 'repos'));
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const repo = await repos.ensure(appId);
      if (req.method === 'GET' && url.pathname === '/app.git/info/refs') {
        const service = url.searchParams.get('service');
        if (!isGitService(service)) return res.writeHead(403).end();
        res.writeHead(200, { 'Content-Type': advertisementType(service) });
        await advertiseRefs(service, repo, res).done;
        return res.end();
      }
      const service = url.pathname.slice('/app.git/'.length);
      if (req.method !== 'POST' || !isGitService(service)) return res.writeHead(404).end();
      const channel = await openHookChannel((call, say, signal) => onPush(call, say, signal));
      res.writeHead(200, { 'Content-Type': resultType(service) });
      await serviceRpc(service, repo, req, req.headers['content-encoding'], res, channel.env).done;
      await channel.close();
      res.end();
    })().catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rm(work, { recursive: true, force: true });
});

let clones = 0;
/** A repo with one commit; stamp.txt keeps commits of different tests apart. */
async function newClone(): Promise<string> {
  const dir = await mkdtemp(join(work, 'src-'));
  await git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'hello.txt'), 'hello v1\n');
  await writeFile(join(dir, 'stamp.txt'), `${++clones}\n`);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'v1');
  return dir;
}

describe('git push through the hook channel', () => {
  it('hands the pushed commit to the server, streams its lines back, and accepts on exit 0', async () => {
    let files: string[] = [];
    onPush = async (call, say) => {
      const plan = planPush(parseRefUpdates(call.updates));
      const sha = plan.deploy!.update.newSha;
      const repo = repos.pathOf(appId);
      const tgz = join(work, `${sha}.tgz`);
      const archive = archiveCommit(repo, sha, quarantineEnv(repo, call.quarantine));
      await Promise.all([pipeline(archive.stream, createWriteStream(tgz)), archive.done]);
      const out = await mkdtemp(join(work, 'out-'));
      await extractSourceTarball(tgz, out);
      files = [await readFile(join(out, 'hello.txt'), 'utf8')];
      say(`-----> building ${sha.slice(0, 7)}`);
      return 0;
    };
    const dir = await newClone();
    const r = await git(dir, 'push', `${base}/app.git`, 'main');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^remote: -----> building [0-9a-f]{7}/m);
    expect(files).toEqual(['hello v1\n']);

    const clone = join(work, 'clone-1');
    expect((await git(work, 'clone', '-q', `${base}/app.git`, clone)).code).toBe(0);
    expect(await readFile(join(clone, 'hello.txt'), 'utf8')).toBe('hello v1\n');
  });

  it('keeps the whole archive for a reader that starts only after git archive has exited', async () => {
    let files: string[] = [];
    onPush = async (call) => {
      const sha = planPush(parseRefUpdates(call.updates)).deploy!.update.newSha;
      const repo = repos.pathOf(appId);
      const archive = archiveCommit(repo, sha, quarantineEnv(repo, call.quarantine));
      // As the source store does: it records the upload before it reads a byte.
      await archive.done;
      const tgz = join(work, `late-${sha}.tgz`);
      await pipeline(archive.stream, createWriteStream(tgz));
      const out = await mkdtemp(join(work, 'late-out-'));
      await extractSourceTarball(tgz, out);
      files = await readdir(out);
      return 0;
    };
    const dir = await newClone();
    await writeFile(join(dir, 'late.txt'), 'read late\n');
    expect((await git(dir, 'add', 'late.txt')).code).toBe(0);
    expect((await git(dir, 'commit', '-qm', 'late')).code).toBe(0);
    // A clone of its own, so it replaces whatever the tests before pushed.
    const r = await git(dir, 'push', '--force', `${base}/app.git`, 'main');
    expect(r.code, r.out).toBe(0);
    expect(files).toContain('late.txt');
  });

  it('rejects the push when the handler exits non-zero: the ref keeps its old commit', async () => {
    const before = (await git(work, 'ls-remote', `${base}/app.git`, 'refs/heads/main')).out;
    onPush = async (_call, say) => {
      say(' !     the build failed');
      return 1;
    };
    const dir = await newClone();
    await writeFile(join(dir, 'hello.txt'), 'broken\n');
    await git(dir, 'commit', '-q', '-am', 'broken');
    const r = await git(dir, 'push', '--force', `${base}/app.git`, 'main');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('remote:  !     the build failed');
    expect(r.out).toContain('pre-receive hook declined');
    expect((await git(work, 'ls-remote', `${base}/app.git`, 'refs/heads/main')).out).toBe(before);
  });

  it('rejects the push when the server end fails, with its message', async () => {
    onPush = async () => { throw new Error('store unavailable'); };
    const dir = await newClone();
    const r = await git(dir, 'push', '--force', `${base}/app.git`, 'main');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('Berth could not handle this push: store unavailable');
  });

  it('reads gzip-compressed request bodies, as git sends larger fetch negotiations', async () => {
    const repo = repos.pathOf(appId);
    const sha = (await git(work, '--git-dir', repo, 'rev-parse', 'refs/heads/main')).out.trim();
    const request = pktLine(`want ${sha}\n`) + '0000' + pktLine('done\n');
    const chunks: Buffer[] = [];
    const out = new PassThrough().on('data', (c: Buffer) => chunks.push(c));
    const { code } = await serviceRpc('git-upload-pack', repo, Readable.from([gzipSync(request)]), 'gzip', out).done;
    expect(code).toBe(0);
    const body = Buffer.concat(chunks).toString('latin1');
    expect(body.startsWith('0008NAK\n')).toBe(true);
    expect(body).toContain('PACK');
  });

  it('refuses a quarantine path outside the repository', async () => {
    const repo = await repos.ensure(appId);
    await expect(async () => quarantineEnv(repo, work)).rejects.toThrow(/not inside its repository/);
  });
});

describe('GitRepos', () => {
  it('creates a bare repo with Berth settings and only its own hook', async () => {
    const id = randomUUID();
    const repo = await repos.ensure(id);
    const get = async (key: string) => ((await git(work, '--git-dir', repo, 'config', '--get', key))).out.trim();
    expect(await get('receive.fsckObjects')).toBe('true');
    expect(await get('receive.denyDeletes')).toBe('true');
    expect(await get('receive.denyNonFastForwards')).toBe('false');
    expect((await git(work, '--git-dir', repo, 'rev-parse', '--is-bare-repository')).out.trim()).toBe('true');
    expect((await readdir(join(repo, 'hooks'))).join(',')).toBe('pre-receive');
    await repos.remove(id);
    expect((await git(work, '--git-dir', repo, 'rev-parse')).code).not.toBe(0);
  });

  it('refuses a hook-less push made straight into the repository on disk', async () => {
    const id = randomUUID();
    const repo = await repos.ensure(id);
    const dir = await newClone();
    const r = await git(dir, 'push', repo, 'main');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('must go through the Berth server');
    await repos.remove(id);
  });

  it('refuses ids that are not app ids', () => {
    expect(() => repos.pathOf('../etc')).toThrow();
  });
});
